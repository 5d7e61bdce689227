package dev.floe.trigger.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.model.Launcher;
import dev.floe.stack.test.JobServer;
import dev.floe.stack.test.JobServer.Call;
import dev.floe.stack.test.JobServer.Reply;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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

  private JobServer server;
  private volatile int status = 200;
  private final JobLauncher launcher =
      new JobLauncher(
          Duration.ofSeconds(5),
          2,
          Duration.ofMillis(50),
          new LaunchSecrets(Map.of("airflow-token", "t0ken")));

  @BeforeEach
  void start() {
    server = JobServer.start(2).on("/", call -> new Reply(status, "{\"dag_run_id\": \"d-1\"}"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private String base() {
    return server.url("").toString();
  }

  private static RunRequested run(int attempt) {
    return new RunRequested(
        "daily-mhx1-7", "daily", List.of(), 42, false, "changes", null, attempt);
  }

  @Test
  void maestroStartsTheActiveVersionWithARequestIdNamedByTheRunAndAttempt() throws Exception {
    Launcher maestro =
        new Launcher(Launcher.Type.MAESTRO, base() + "/", "orders_wf", null, null, null, Map.of());
    JobLauncher.Outcome outcome = launcher.call(maestro, run(2)).join();
    assertThat(outcome).isInstanceOf(JobLauncher.Started.class);
    Call call = server.calls().get(0);
    assertThat(call.path()).isEqualTo("/api/v3/workflows/orders_wf/versions/active/actions/start");
    JsonNode body = JSON.readTree(call.body());
    assertThat(body.at("/initiator/type").asText()).isEqualTo("MANUAL");
    assertThat(body.get("request_id").asText())
        .isEqualTo(LaunchRequests.requestId(run(2)).toString());
    assertThat(body.get("request_id").asText())
        .isNotEqualTo(LaunchRequests.requestId(run(1)).toString());
    assertThat(body.at("/run_params/floe_run_id/value").asText()).isEqualTo("daily-mhx1-7");
    assertThat(body.at("/run_params/floe_run_id/type").asText()).isEqualTo("STRING");
    assertThat(call.header("user")).isEqualTo(JobLauncher.DEFAULT_MAESTRO_USER);
    assertThat(call.header("Idempotency-Key")).isEqualTo("\"daily-mhx1-7-attempt-2\"");
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
    JobLauncher.Outcome outcome = launcher.call(airflow, run(1)).join();
    assertThat(outcome).isEqualTo(new JobLauncher.Started("d-1"));
    Call call = server.calls().get(0);
    assertThat(call.path()).isEqualTo("/api/v2/dags/orders_dag/dagRuns");
    assertThat(call.headers().get("Authorization")).containsExactly("Bearer t0ken");
    JsonNode body = JSON.readTree(call.body());
    assertThat(body.get("dag_run_id").asText()).isEqualTo("daily-mhx1-7");
    assertThat(body.get("logical_date").isNull()).isTrue();
    assertThat(body.at("/conf/records").asLong()).isEqualTo(42);
    launcher.call(airflow, run(2)).join();
    assertThat(JSON.readTree(server.calls().get(1).body()).get("dag_run_id").asText())
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

    JobLauncher.Outcome outcome = launcher.call(hook, run(1)).join();

    assertThat(outcome).isInstanceOf(JobLauncher.Failed.class);
    assertThat(((JobLauncher.Failed) outcome).kind())
        .isEqualTo(dev.floe.contracts.event.RunFailed.ErrorKind.PERMANENT);
    assertThat(((JobLauncher.Failed) outcome).message()).contains("gone").doesNotContain("t0ken");
    assertThat(server.calls()).isEmpty();
  }

  @Test
  void aConflictIsRetriedForAWebhookAndMeansStartedForAirflowAndAnotherClientErrorFails() {
    Launcher hook =
        new Launcher(Launcher.Type.WEBHOOK, base() + "/hook", null, null, null, null, Map.of());
    Launcher airflow =
        new Launcher(Launcher.Type.AIRFLOW, base(), null, "orders_dag", null, null, Map.of());
    status = 409;
    // A webhook's 409 is the draft's "still processing this key": tried again, then transient.
    int before = server.calls().size();
    assertThat(launcher.call(hook, run(1)).join())
        .isInstanceOfSatisfying(
            JobLauncher.Failed.class,
            f -> assertThat(f.kind()).isEqualTo(RunFailed.ErrorKind.TRANSIENT));
    assertThat(server.calls()).hasSize(before + 2);
    // Airflow's 409 is a DAG run with this id: started.
    assertThat(launcher.call(airflow, run(2)).join())
        .isEqualTo(new JobLauncher.Started("daily-mhx1-7-attempt-2"));
    status = 422;
    before = server.calls().size();
    JobLauncher.Outcome failed = launcher.call(hook, run(1)).join();
    assertThat(failed).isInstanceOf(JobLauncher.Failed.class);
    assertThat(server.calls()).hasSize(before + 1);
    status = 502;
    before = server.calls().size();
    assertThat(launcher.call(hook, run(1)).join()).isInstanceOf(JobLauncher.Failed.class);
    assertThat(server.calls()).hasSize(before + 2); // retried once: two tries in all
  }

  @Test
  void aKafkaCommandIsKeyedByTheRunIdAndSentWithTheCallersProducer() {
    MockProducer<String, byte[]> producer =
        new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    Launcher kafka =
        new Launcher(Launcher.Type.KAFKA, null, null, null, "jobs.commands", null, Map.of());
    assertThat(launcher.command(kafka, run(1), producer)).isInstanceOf(JobLauncher.Started.class);
    assertThat(launcher.command(kafka, run(3), producer)).isInstanceOf(JobLauncher.Started.class);
    assertThat(producer.history()).hasSize(2);
    assertThat(producer.history().get(1).key()).isEqualTo("daily-mhx1-7");
    assertThat(
            new String(
                producer.history().get(1).headers().lastHeader("Idempotency-Key").value(),
                StandardCharsets.UTF_8))
        .isEqualTo("daily-mhx1-7-attempt-3");
    assertThat(producer.history().get(0).topic()).isEqualTo("jobs.commands");
    assertThat(producer.history().get(0).key()).isEqualTo("daily-mhx1-7");
    assertThat(
            new String(
                producer.history().get(0).headers().lastHeader("Idempotency-Key").value(),
                StandardCharsets.UTF_8))
        .isEqualTo("daily-mhx1-7");
  }

  /**
   * An endpoint that takes the call and never answers, and one that sends its answer's head and
   * then stalls its body: each try ends at the time-out, transiently, and the launch ends after its
   * tries instead of holding its trigger for good.
   */
  @Test
  void anEndpointThatNeverAnswersOrStallsItsBodyTimesOutOnEachTry() throws Exception {
    JobLauncher quick =
        new JobLauncher(
            Duration.ofMillis(300), 2, Duration.ofMillis(20), new LaunchSecrets(Map.of()));
    List<Socket> held = new CopyOnWriteArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ServerSocket stalling = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      daemon(() -> accept(silent, held, null));
      daemon(
          () ->
              accept(
                  stalling,
                  held,
                  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id"));
      for (ServerSocket endpoint : List.of(silent, stalling)) {
        Launcher hook =
            new Launcher(
                Launcher.Type.WEBHOOK,
                "http://127.0.0.1:" + endpoint.getLocalPort() + "/",
                null,
                null,
                null,
                null,
                Map.of());
        long began = System.nanoTime();
        JobLauncher.Outcome outcome = quick.call(hook, run(1)).get(10, TimeUnit.SECONDS);
        assertThat(outcome)
            .isInstanceOfSatisfying(
                JobLauncher.Failed.class,
                f -> {
                  assertThat(f.kind())
                      .isEqualTo(dev.floe.contracts.event.RunFailed.ErrorKind.TRANSIENT);
                  assertThat(f.message()).containsIgnoringCase("timed out");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - began))
            .isGreaterThanOrEqualTo(Duration.ofMillis(600));
      }
      assertThat(held).hasSize(4); // two tries each
      // A try given up closes its connection: an endpoint that stalls for good holds no socket.
      for (Socket socket : held) {
        socket.setSoTimeout(100);
        await()
            .atMost(Duration.ofSeconds(5))
            .until(
                () -> {
                  try {
                    while (socket.getInputStream().read() >= 0) {
                      // the request the launcher sent
                    }
                    return true;
                  } catch (java.net.SocketTimeoutException open) {
                    return false;
                  }
                });
      }
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
    }
  }

  private static void daemon(Runnable task) {
    Thread t = new Thread(task, "test-endpoint");
    t.setDaemon(true);
    t.start();
  }

  /** Takes connections, answers {@code head} (or nothing) and keeps them open. */
  private static void accept(ServerSocket server, List<Socket> held, String head) {
    try {
      while (true) {
        Socket socket = server.accept();
        held.add(socket);
        if (head != null) {
          socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
          socket.getOutputStream().flush();
        }
      }
    } catch (IOException closed) {
      // the test is over
    }
  }
}
