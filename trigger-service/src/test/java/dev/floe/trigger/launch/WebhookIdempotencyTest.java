package dev.floe.trigger.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.model.Launcher;
import dev.floe.trigger.launch.IdempotencyKeyServer.Answer;
import dev.floe.trigger.launch.IdempotencyKeyServer.Exchange;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The webhook launcher against an endpoint that enforces the Idempotency-Key draft: quoted keys, a
 * key per attempt (the draft refuses a key reused with another body, and each attempt's body
 * differs), and a 409 while the first request is processed retried until its answer is replayed.
 */
@Tag("unit")
class WebhookIdempotencyTest {

  private static RunRequested run(int attempt) {
    return new RunRequested(
        "daily-mhx1-7", "daily", List.of(), 42, false, "changes", null, attempt);
  }

  private static Launcher hook(IdempotencyKeyServer server) {
    return new Launcher(
        Launcher.Type.WEBHOOK, server.url().toString(), null, null, null, null, Map.of());
  }

  @Test
  void eachAttemptIsSentUnderItsOwnQuotedKeyAndARepeatGetsTheFirstAnswer() {
    AtomicInteger jobs = new AtomicInteger();
    try (IdempotencyKeyServer server =
        new IdempotencyKeyServer(
            body ->
                CompletableFuture.completedFuture(
                    new Answer(201, "{\"id\": \"job-" + jobs.incrementAndGet() + "\"}")))) {
      JobLauncher launcher =
          new JobLauncher(
              Duration.ofSeconds(5), 2, Duration.ofMillis(50), new LaunchSecrets(Map.of()));

      assertThat(launcher.call(hook(server), run(1)).join())
          .isEqualTo(new JobLauncher.Started("job-1"));
      assertThat(launcher.call(hook(server), run(2)).join())
          .isEqualTo(new JobLauncher.Started("job-2"));
      // The first attempt's request again, as after a crash: the same key and body, replayed.
      assertThat(launcher.call(hook(server), run(1)).join())
          .isEqualTo(new JobLauncher.Started("job-1"));

      assertThat(server.exchanges())
          .containsExactly(
              new Exchange("daily-mhx1-7", 201, false),
              new Exchange("daily-mhx1-7-attempt-2", 201, false),
              new Exchange("daily-mhx1-7", 201, true));
      assertThat(jobs).hasValue(2);
    }
  }

  @Test
  void aRepeatWhileTheFirstRequestIsProcessedIsRetriedUntilItsAnswerIsReplayed() {
    IdempotencyKeyServer[] holder = new IdempotencyKeyServer[1];
    try (IdempotencyKeyServer server =
        new IdempotencyKeyServer(
            body ->
                CompletableFuture.supplyAsync(
                    () -> {
                      // The job finishes only once a repeat of its request was answered 409.
                      await()
                          .atMost(Duration.ofSeconds(10))
                          .until(
                              () ->
                                  holder[0].exchanges().stream().anyMatch(e -> e.status() == 409));
                      return new Answer(201, "{\"id\": \"job-1\"}");
                    }))) {
      holder[0] = server;
      // The first try's answer times out; the next is answered 409; a later one gets the answer.
      JobLauncher launcher =
          new JobLauncher(
              Duration.ofMillis(300), 6, Duration.ofMillis(100), new LaunchSecrets(Map.of()));

      JobLauncher.Outcome outcome = launcher.call(hook(server), run(1)).join();

      assertThat(outcome).isEqualTo(new JobLauncher.Started("job-1"));
      assertThat(server.exchanges()).first().isEqualTo(new Exchange("daily-mhx1-7", 409, false));
      assertThat(server.exchanges()).last().isEqualTo(new Exchange("daily-mhx1-7", 201, true));
      assertThat(server.exchanges()).noneMatch(e -> e.status() == 422 || e.status() == 400);
    }
  }

  @Test
  void aConflictThatOutlastsTheTriesFailsTheAttemptTransiently() {
    CompletableFuture<Answer> never = new CompletableFuture<>();
    try (IdempotencyKeyServer server = new IdempotencyKeyServer(body -> never)) {
      JobLauncher launcher =
          new JobLauncher(
              Duration.ofMillis(200), 3, Duration.ofMillis(20), new LaunchSecrets(Map.of()));

      JobLauncher.Outcome outcome = launcher.call(hook(server), run(1)).join();

      assertThat(outcome)
          .isInstanceOfSatisfying(
              JobLauncher.Failed.class,
              f -> {
                assertThat(f.kind()).isEqualTo(RunFailed.ErrorKind.TRANSIENT);
                assertThat(f.message()).contains("409");
              });
      never.complete(new Answer(201, "{}"));
    }
  }

  @Test
  void keysAreStructuredFieldStrings() {
    assertThat(LaunchRequests.structuredString("daily-mhx1-7")).isEqualTo("\"daily-mhx1-7\"");
    assertThat(LaunchRequests.structuredString("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
    assertThat(IdempotencyKeyServer.structuredString(LaunchRequests.structuredString("a\"b\\c")))
        .isEqualTo("a\"b\\c");
    assertThat(IdempotencyKeyServer.structuredString("daily-mhx1-7")).isNull();
  }
}
