package dev.floe.stack.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.stack.test.JobServer.Call;
import dev.floe.stack.test.JobServer.Reply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fake job endpoint records what it is sent, answers as told and acts after answering. */
@Timeout(30)
class JobServerTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static HttpResponse<String> post(URI uri, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(uri)
            .header("Idempotency-Key", "daily-1")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void recordsEachCallAndAnswersWithTheHandlersReply() throws Exception {
    try (JobServer job = JobServer.start(2).on("/job", call -> new Reply(202, "{\"id\": 1}"))) {
      Instant before = Instant.now();

      HttpResponse<String> response = post(job.url("/job?table=orders"), "{\"runId\": \"r-1\"}");

      assertThat(response.statusCode()).isEqualTo(202);
      assertThat(response.body()).isEqualTo("{\"id\": 1}");
      assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
      Call call = job.calls().get(0);
      assertThat(call.path()).isEqualTo("/job");
      assertThat(call.query()).isEqualTo("table=orders");
      assertThat(call.runId()).isEqualTo("r-1");
      assertThat(call.header("idempotency-key")).isEqualTo("daily-1");
      assertThat(call.at()).isBetween(before, Instant.now());
    }
  }

  @Test
  void runsWhatComesAfterOnceTheCallIsAnsweredKnowingTheAnswer() throws Exception {
    List<String> after = new CopyOnWriteArrayList<>();
    try (JobServer job =
        JobServer.start(2)
            .on(
                "/job",
                call -> Reply.of(call.runId().equals("bad") ? 500 : 200),
                (call, reply) -> after.add(call.runId() + " " + reply.status()))) {

      assertThat(post(job.url("/job"), "{\"runId\": \"bad\"}").statusCode()).isEqualTo(500);
      assertThat(post(job.url("/job"), "{\"runId\": \"good\"}").statusCode()).isEqualTo(200);

      await().atMost(Duration.ofSeconds(5)).until(() -> after.size() == 2);
      assertThat(after).containsExactly("bad 500", "good 200");
    }
  }

  @Test
  void aLateAnswerKeepsTheCallOpenUntilItCompletesWithoutHoldingAThread() throws Exception {
    CompletableFuture<Reply> late = new CompletableFuture<>();
    List<Reply> after = new CopyOnWriteArrayList<>();
    try (JobServer job =
        JobServer.start(1)
            .onLate("/slow", call -> late, (call, reply) -> after.add(reply))
            .on("/fast", call -> Reply.of(200))) {
      CompletableFuture<HttpResponse<String>> slow =
          HTTP.sendAsync(
              HttpRequest.newBuilder(job.url("/slow"))
                  .POST(HttpRequest.BodyPublishers.ofString("{}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(5)).until(() -> job.calls().size() == 1);

      // The server's one thread is free while the slow call waits for its answer.
      assertThat(post(job.url("/fast"), "{}").statusCode()).isEqualTo(200);
      assertThat(slow).isNotDone();
      assertThat(after).isEmpty();

      late.complete(Reply.of(202));
      assertThat(slow.get().statusCode()).isEqualTo(202);
      await().atMost(Duration.ofSeconds(5)).until(() -> after.size() == 1);
      assertThat(after).containsExactly(Reply.of(202));
    }
  }
}
