package dev.floe.trigger.launch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.model.Launcher;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The request each launcher type makes, against a real HTTP server. */
@Tag("unit")
class JobLauncherTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  record Call(String path, Map<String, List<String>> headers, String body) {}

  private HttpServer server;
  private final Queue<Call> calls = new ConcurrentLinkedQueue<>();
  private volatile int status = 200;
  private final JobLauncher launcher =
      new JobLauncher(
          Duration.ofSeconds(5),
          2,
          Duration.ofMillis(50),
          new LaunchSecrets(Map.of("airflow-token", "t0ken")));

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          calls.add(
              new Call(
                  exchange.getRequestURI().getPath(),
                  Map.copyOf(exchange.getRequestHeaders()),
                  new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
          byte[] answer = "{\"dag_run_id\": \"d-1\"}".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, answer.length);
          exchange.getResponseBody().write(answer);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private static RunRequested run(int attempt) {
    return new RunRequested(
        "daily-mhx1-7", "daily", List.of(), 42, false, "changes", null, attempt);
  }

  @Test
  void maestroStartsTheActiveVersionWithARequestIdNamedByTheRunAndAttempt() throws Exception {
    Launcher maestro =
        new Launcher(Launcher.Type.MAESTRO, base() + "/", "orders_wf", null, null, null, Map.of());
    JobLauncher.Outcome outcome = launcher.launch(maestro, run(2), null);
    assertThat(outcome).isInstanceOf(JobLauncher.Started.class);
    Call call = calls.poll();
    assertThat(call.path()).isEqualTo("/api/v3/workflows/orders_wf/versions/active/actions/start");
    JsonNode body = JSON.readTree(call.body());
    assertThat(body.at("/initiator/type").asText()).isEqualTo("MANUAL");
    assertThat(body.get("request_id").asText()).isEqualTo(JobLauncher.requestId(run(2)).toString());
    assertThat(body.get("request_id").asText())
        .isNotEqualTo(JobLauncher.requestId(run(1)).toString());
    assertThat(body.at("/run_params/floe_run_id/value").asText()).isEqualTo("daily-mhx1-7");
    assertThat(body.at("/run_params/floe_run_id/type").asText()).isEqualTo("STRING");
  }

  @Test
  void airflowTriggersADagRunNamedByTheRunWithItsConf() throws Exception {
    Launcher airflow =
        new Launcher(
            Launcher.Type.AIRFLOW,
            base(),
            null,
            "orders_dag",
            null,
            "{\"floe_run\": \"{run.runId}\", \"records\": {run.records}}",
            Map.of("Authorization", "Bearer ${secret:airflow-token}"));
    JobLauncher.Outcome outcome = launcher.launch(airflow, run(1), null);
    assertThat(outcome).isEqualTo(new JobLauncher.Started("d-1"));
    Call call = calls.poll();
    assertThat(call.path()).isEqualTo("/api/v2/dags/orders_dag/dagRuns");
    assertThat(call.headers().get("Authorization")).containsExactly("Bearer t0ken");
    JsonNode body = JSON.readTree(call.body());
    assertThat(body.get("dag_run_id").asText()).isEqualTo("daily-mhx1-7");
    assertThat(body.get("logical_date").isNull()).isTrue();
    assertThat(body.at("/conf/records").asLong()).isEqualTo(42);
    launcher.launch(airflow, run(2), null);
    assertThat(JSON.readTree(calls.poll().body()).get("dag_run_id").asText())
        .isEqualTo("daily-mhx1-7-attempt-2");
  }

  @Test
  void aHeaderNamingASecretThatIsNotConfiguredFailsTheLaunchWithoutACall() {
    Launcher hook =
        new Launcher(
            Launcher.Type.WEBHOOK,
            base() + "/hook",
            null,
            null,
            null,
            null,
            Map.of("Authorization", "Bearer ${secret:gone}"));

    JobLauncher.Outcome outcome = launcher.launch(hook, run(1), null);

    assertThat(outcome).isInstanceOf(JobLauncher.Failed.class);
    assertThat(((JobLauncher.Failed) outcome).kind())
        .isEqualTo(dev.floe.contracts.event.RunFailed.ErrorKind.PERMANENT);
    assertThat(((JobLauncher.Failed) outcome).message()).contains("gone").doesNotContain("t0ken");
    assertThat(calls).isEmpty();
  }

  @Test
  void aConflictMeansTheRunExistsAlreadyAndAnotherClientErrorFailsWithoutRetry() {
    Launcher hook =
        new Launcher(Launcher.Type.WEBHOOK, base() + "/hook", null, null, null, null, Map.of());
    status = 409;
    assertThat(launcher.launch(hook, run(1), null)).isInstanceOf(JobLauncher.Started.class);
    calls.clear();
    status = 422;
    JobLauncher.Outcome failed = launcher.launch(hook, run(1), null);
    assertThat(failed).isInstanceOf(JobLauncher.Failed.class);
    assertThat(calls).hasSize(1);
    status = 502;
    calls.clear();
    assertThat(launcher.launch(hook, run(1), null)).isInstanceOf(JobLauncher.Failed.class);
    assertThat(calls).hasSize(2); // retried once: two tries in all
  }

  @Test
  void aKafkaCommandIsKeyedByTheRunIdAndSentWithTheCallersProducer() {
    MockProducer<String, byte[]> producer =
        new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    Launcher kafka =
        new Launcher(Launcher.Type.KAFKA, null, null, null, "jobs.commands", null, Map.of());
    assertThat(launcher.launch(kafka, run(1), producer)).isInstanceOf(JobLauncher.Started.class);
    assertThat(producer.history()).hasSize(1);
    assertThat(producer.history().get(0).topic()).isEqualTo("jobs.commands");
    assertThat(producer.history().get(0).key()).isEqualTo("daily-mhx1-7");
    assertThat(
            new String(
                producer.history().get(0).headers().lastHeader("Idempotency-Key").value(),
                StandardCharsets.UTF_8))
        .isEqualTo("daily-mhx1-7");
  }
}
