package dev.floe.trigger.launch;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasItem;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.RunStarted;
import dev.floe.contracts.event.RunSucceeded;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.test.FloeTestResource;
import dev.floe.stack.test.InjectFloeStack;
import dev.floe.stack.test.JobServer;
import dev.floe.stack.test.JobServer.Call;
import dev.floe.stack.test.JobServer.Reply;
import dev.floe.trigger.TestChanges;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Launching runs against a real HTTP receiver, and the status callback, on the real broker. */
@QuarkusTest
@WithTestResource(FloeTestResource.class)
@Timeout(180)
class LaunchOnBrokerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @InjectFloeStack FloeStack stack;

  @ConfigProperty(name = "floe.topics.partitions")
  int partitions;

  private JobServer receiver;

  /** The receiver's answers to come, in order; 200 once none is left. */
  private final Deque<Integer> answers = new ArrayDeque<>();

  @BeforeEach
  void start() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> given().get("/q/health/ready").statusCode() == 200);
    receiver =
        JobServer.start(2)
            .on(
                "/",
                call -> {
                  Integer status;
                  synchronized (answers) {
                    status = answers.poll();
                  }
                  return new Reply(status == null ? 200 : status, "{\"run_id\": \"ext-1\"}");
                });
  }

  @AfterEach
  void stop() {
    receiver.close();
  }

  private String url(String path) {
    return receiver.url(path).toString();
  }

  private void define(String trigger, String capture, String path, String params) {
    Map<String, Object> launcher =
        params == null
            ? Map.of("type", "webhook", "url", url(path))
            : Map.of("type", "webhook", "url", url(path), "params", params);
    given()
        .contentType(ContentType.JSON)
        .body(
            Map.of(
                "id",
                trigger,
                "inputs",
                List.of(Map.of("capture", capture)),
                "retry",
                Map.of("maxAttempts", 1, "backoff", "PT1S"),
                "launcher",
                launcher))
        .post("/triggers")
        .then()
        .statusCode(201);
  }

  private void publishChange(String capture, long snapshot) {
    ChangeCaptured change = TestChanges.appended(capture, snapshot);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
            new StringSerializer(),
            new ByteArraySerializer())) {
      Event event = Event.of(change, Event.sourceOf("test"), Instant.now());
      producer.send(new ProducerRecord<>(Topics.CHANGES, capture, EventCodec.encode(event)));
    }
  }

  private List<Call> callsTo(String path) {
    return receiver.calls().stream().filter(c -> c.path().equals(path)).toList();
  }

  @Test
  void aWebhookGetsTheRunWithItsIdempotencyKeyAndTheJobsReportClosesIt() throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    String trigger = "hook-" + suffix;
    String capture = "cap-" + suffix;
    define(
        trigger,
        capture,
        "/hook-" + suffix,
        "{\"run\": \"{run.runId}\", \"icdc\": \"{run.inputs.0.icdc.metadataLocation}\"}");
    try (EventTap runs = new EventTap(stack.kafka().bootstrapServers(), Topics.RUNS)) {
      publishChange(capture, 7);
      RunStarted started =
          runs.await(RunStarted.class, r -> r.triggerId().equals(trigger), Duration.ofSeconds(60));
      assertThat(started.launcher()).isEqualTo("webhook");
      assertThat(started.externalRunId()).isEqualTo("ext-1");
      List<Call> received = callsTo("/hook-" + suffix);
      assertThat(received).hasSize(1);
      assertThat(received.get(0).header("Idempotency-Key"))
          .isEqualTo("\"" + started.runId() + "\"");
      assertThat(received.get(0).header("Floe-Attempt")).isEqualTo("1");
      JsonNode body = JSON.readTree(received.get(0).body());
      assertThat(body.get("run").asText()).isEqualTo(started.runId());
      assertThat(body.get("icdc").asText()).endsWith("00001.metadata.json");

      given()
          .contentType(ContentType.JSON)
          .body(Map.of("status", "succeeded", "externalRunId", "ext-1", "durationMs", 1200))
          .post("/runs/" + started.runId() + "/status")
          .then()
          .statusCode(202);
      RunSucceeded done =
          runs.await(
              RunSucceeded.class, r -> r.runId().equals(started.runId()), Duration.ofSeconds(30));
      assertThat(done.durationMs()).isEqualTo(1200);

      // The run shows in the metrics: its events, the launch latency, its duration.
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                String metrics = given().get("/q/metrics").then().extract().asString();
                assertThat(metrics)
                    .contains("floe_trigger_runs_total{event=\"started\"")
                    .contains("trigger=\"" + trigger + "\"")
                    .contains("floe_trigger_launch_latency_seconds_count")
                    .containsPattern(
                        "floe_trigger_run_duration_seconds_count\\{[^}]*trigger=\""
                            + trigger
                            + "\"");
              });
    }
  }

  @Test
  void transientAnswersAreRetriedWithTheSameKeyAndA4xxFailsAtOnce() {
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    String flaky = "flaky-" + suffix;
    String broken = "broken-" + suffix;
    define(flaky, "cap-f-" + suffix, "/flaky-" + suffix, null);
    define(broken, "cap-b-" + suffix, "/broken-" + suffix, null);
    try (EventTap runs = new EventTap(stack.kafka().bootstrapServers(), Topics.RUNS)) {
      synchronized (answers) {
        answers.addAll(List.of(503, 503));
      }
      publishChange("cap-f-" + suffix, 11);
      RunStarted started =
          runs.await(RunStarted.class, r -> r.triggerId().equals(flaky), Duration.ofSeconds(60));
      assertThat(callsTo("/flaky-" + suffix))
          .hasSize(3)
          .extracting(call -> call.header("Idempotency-Key"))
          .containsOnly("\"" + started.runId() + "\"");
      RunRequested requested =
          runs.await(RunRequested.class, r -> r.triggerId().equals(flaky), Duration.ofSeconds(5));
      assertThat(requested.runId()).isEqualTo(started.runId());

      synchronized (answers) {
        answers.add(400);
      }
      publishChange("cap-b-" + suffix, 12);
      RunFailed failed =
          runs.await(RunFailed.class, r -> r.triggerId().equals(broken), Duration.ofSeconds(60));
      assertThat(failed.errorKind()).isEqualTo(RunFailed.ErrorKind.PERMANENT);
      assertThat(failed.message()).contains("400");
      assertThat(callsTo("/broken-" + suffix)).hasSize(1);
    }
  }

  /**
   * A trigger whose endpoint takes the connection and never answers holds its own call for its
   * three tries of 5 s; another trigger on the same partition of {@code floe.runs} is launched
   * meanwhile, within the bound stated here, not after the hanging call's tries (15.8 s when
   * launches wait for each other).
   */
  @Test
  void aHangingEndpointHoldsBackOnlyItsOwnTrigger() throws Exception {
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    String hanging = "hang-" + suffix;
    String quick = sameRunsPartition(hanging, "quick-" + suffix);
    List<Socket> held = new CopyOnWriteArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        EventTap runs = new EventTap(stack.kafka().bootstrapServers(), Topics.RUNS)) {
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    held.add(silent.accept()); // read nothing, answer nothing
                  }
                } catch (IOException closed) {
                  // the test is over
                }
              },
              "silent-endpoint");
      acceptor.setDaemon(true);
      acceptor.start();
      defineWebhook(hanging, "cap-h-" + suffix, "http://127.0.0.1:" + silent.getLocalPort() + "/");
      define(quick, "cap-q-" + suffix, "/quick-" + suffix, null);

      publishChange("cap-h-" + suffix, 21);
      await().atMost(Duration.ofSeconds(60)).until(() -> !held.isEmpty());
      Instant hangingSince = Instant.now();

      publishChange("cap-q-" + suffix, 22);
      RunStarted started =
          runs.await(RunStarted.class, r -> r.triggerId().equals(quick), Duration.ofSeconds(60));
      Duration quickTook = Duration.between(hangingSince, Instant.now());
      assertThat(quickTook).isLessThan(LAUNCH_BOUND);
      assertThat(runs.payloads(RunFailed.class, r -> r.triggerId().equals(hanging))).isEmpty();
      assertThat(callsTo("/quick-" + suffix))
          .extracting(call -> call.header("Idempotency-Key"))
          .containsExactly("\"" + started.runId() + "\"");
      // The hanging call's end by time-out, on each try, is JobLauncherTest's.
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
    }
  }

  /**
   * How long another trigger's launch may take while one hangs: a decision tick and a launch, with
   * room for a slow machine; the hanging trigger's call lasts three times the 5 s time-out.
   */
  private static final Duration LAUNCH_BOUND = Duration.ofSeconds(5);

  /**
   * {@code base}, or {@code base} with a counter, whose runs share a partition with {@code other}.
   */
  private String sameRunsPartition(String other, String base) {
    int wanted = partition(other);
    for (int i = 0; ; i++) {
      String candidate = base + "-" + i;
      if (partition(candidate) == wanted) {
        return candidate;
      }
    }
  }

  private int partition(String key) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  private void defineWebhook(String trigger, String capture, String url) {
    given()
        .contentType(ContentType.JSON)
        .body(
            Map.of(
                "id",
                trigger,
                "inputs",
                List.of(Map.of("capture", capture)),
                "retry",
                Map.of("maxAttempts", 1, "backoff", "PT1S"),
                "launcher",
                Map.of("type", "webhook", "url", url)))
        .post("/triggers")
        .then()
        .statusCode(201);
  }

  @Test
  void aReportForSomethingThatIsNotARunIsAProblemNamingTheField() {
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("status", "succeeded"))
        .post("/runs/not a run/status")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("errors.field", hasItem("runId"));
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("status", "exploded"))
        .post("/runs/daily-mhx1-3/status")
        .then()
        .statusCode(400)
        .body("errors.field", hasItem("status"));
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("status", "failed", "errorKind", "cosmic"))
        .post("/runs/daily-mhx1-3/status")
        .then()
        .statusCode(400)
        .body("errors.field", hasItem("errorKind"));
  }
}
