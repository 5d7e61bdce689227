package dev.floe.trigger.launch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.model.Launcher;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Airflow launcher against an Airflow 3 that issues expiring JWTs at {@code /auth/token} and
 * validates each DAG run against its published OpenAPI schema ({@link AirflowServer}).
 */
@Tag("unit")
class AirflowLauncherTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant START = Instant.parse("2026-12-05T12:00:00Z");

  private final MovableClock airflowClock = new MovableClock(START);
  private final MovableClock floeClock = new MovableClock(START);
  private final AirflowServer airflow = new AirflowServer(airflowClock, Map.of("floe", "s3cret"));

  @AfterEach
  void stop() {
    airflow.close();
  }

  private JobLauncher launcher(String password) {
    return new JobLauncher(
        Duration.ofSeconds(5),
        2,
        Duration.ofMillis(50),
        new LaunchSecrets(Map.of("airflow-password", password)),
        JobLauncher.DEFAULT_MAESTRO_USER,
        floeClock);
  }

  private Launcher dag(String params) {
    return new Launcher(
        Launcher.Type.AIRFLOW,
        airflow.url(),
        null,
        "orders_dag",
        null,
        params,
        Map.of(),
        null,
        new Launcher.Login("floe", "${secret:airflow-password}"));
  }

  private static RunRequested run(int attempt) {
    return new RunRequested(
        "daily-mhx1-7", "daily", List.of(), 42, false, "changes", null, attempt);
  }

  private List<Integer> dagRunStatuses() {
    return airflow.calls("/api/v2/dags/orders_dag/dagRuns").stream()
        .map(AirflowServer.Call::status)
        .toList();
  }

  @Test
  void logsInOnceAndTriggersRunsThatAirflowsSchemaTakes() throws Exception {
    JobLauncher launcher = launcher("s3cret");
    Launcher dag = dag("{\"floe_run\": \"{run.runId}\", \"records\": {run.records}}");

    assertThat(launcher.call(dag, run(1)).join())
        .isEqualTo(new JobLauncher.Started("daily-mhx1-7"));
    assertThat(launcher.call(dag, run(2)).join())
        .isEqualTo(new JobLauncher.Started("daily-mhx1-7-attempt-2"));

    List<AirflowServer.Call> logins = airflow.calls("/auth/token");
    assertThat(logins).hasSize(1);
    assertThat(logins.get(0).status()).isEqualTo(201);
    assertThat(JSON.readTree(logins.get(0).body()))
        .isEqualTo(JSON.readTree("{\"username\": \"floe\", \"password\": \"s3cret\"}"));
    assertThat(dagRunStatuses()).containsExactly(200, 200);
    String token = JSON.readTree(logins.get(0).answer()).get("access_token").asText();
    assertThat(airflow.calls("/api/v2/dags/orders_dag/dagRuns"))
        .allSatisfy(
            call -> {
              assertThat(call.authorization()).isEqualTo("Bearer " + token);
              assertThat(JSON.readTree(call.answer()).at("/conf/records").asLong()).isEqualTo(42);
            });
  }

  @Test
  void aTokenIsRenewedBeforeItExpires() {
    airflow.tokenLifetime(Duration.ofHours(1));
    JobLauncher launcher = launcher("s3cret");
    assertThat(launcher.call(dag(null), run(1)).join()).isInstanceOf(JobLauncher.Started.class);

    // Within the last minute of the token's hour: renewed before the call, never refused.
    airflowClock.advance(Duration.ofMinutes(59).plusSeconds(30));
    floeClock.advance(Duration.ofMinutes(59).plusSeconds(30));
    assertThat(launcher.call(dag(null), run(2)).join()).isInstanceOf(JobLauncher.Started.class);

    assertThat(airflow.calls("/auth/token")).hasSize(2);
    assertThat(dagRunStatuses()).containsExactly(200, 200);
  }

  @Test
  void aCallAnswered401IsSentOnceMoreWithANewToken() {
    airflow.tokenLifetime(Duration.ofHours(1));
    JobLauncher launcher = launcher("s3cret");
    assertThat(launcher.call(dag(null), run(1)).join()).isInstanceOf(JobLauncher.Started.class);

    // Airflow's clock is ahead of Floe's: the token Floe holds as fresh has expired there.
    airflowClock.advance(Duration.ofHours(2));
    assertThat(launcher.call(dag(null), run(2)).join())
        .isEqualTo(new JobLauncher.Started("daily-mhx1-7-attempt-2"));

    assertThat(dagRunStatuses()).containsExactly(200, 401, 200);
    assertThat(airflow.calls("/auth/token")).hasSize(2);
  }

  @Test
  void aTokenSignedWithAKeyAirflowNoLongerHasIsRenewedOnItsRefusal() {
    JobLauncher launcher = launcher("s3cret");
    assertThat(launcher.call(dag(null), run(1)).join()).isInstanceOf(JobLauncher.Started.class);

    airflow.rotateKey(); // Airflow restarted with another secret: 403 "Invalid JWT token"
    assertThat(launcher.call(dag(null), run(2)).join())
        .isEqualTo(new JobLauncher.Started("daily-mhx1-7-attempt-2"));

    assertThat(dagRunStatuses()).containsExactly(200, 403, 200);
    assertThat(airflow.calls("/auth/token")).hasSize(2);
  }

  @Test
  void launchesAtOnceShareOneLogin() {
    JobLauncher launcher = launcher("s3cret");
    List<java.util.concurrent.CompletableFuture<JobLauncher.Outcome>> launches =
        java.util.stream.IntStream.rangeClosed(1, 4)
            .mapToObj(attempt -> launcher.call(dag(null), run(attempt)))
            .toList();

    assertThat(launches)
        .allSatisfy(l -> assertThat(l.join()).isInstanceOf(JobLauncher.Started.class));
    assertThat(airflow.calls("/auth/token")).hasSize(1);
    assertThat(dagRunStatuses()).containsExactly(200, 200, 200, 200);
  }

  /**
   * A login whose answer stalls after its head ends at the launch timeout, transiently; the next
   * launch logs in again instead of waiting on the stalled one.
   */
  @Test
  void aLoginThatStallsTimesOutAndTheNextLaunchTriesAgain() throws Exception {
    List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (java.net.ServerSocket stalling =
        new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread accept =
          new Thread(
              () -> {
                try {
                  while (true) {
                    java.net.Socket socket = stalling.accept();
                    held.add(socket);
                    socket
                        .getOutputStream()
                        .write(
                            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"acc"
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    socket.getOutputStream().flush();
                  }
                } catch (java.io.IOException closed) {
                  // the test is over
                }
              });
      accept.setDaemon(true);
      accept.start();
      JobLauncher quick =
          new JobLauncher(
              Duration.ofMillis(300),
              1,
              Duration.ofMillis(10),
              new LaunchSecrets(Map.of("airflow-password", "s3cret")),
              JobLauncher.DEFAULT_MAESTRO_USER,
              floeClock);
      Launcher dag =
          new Launcher(
              Launcher.Type.AIRFLOW,
              "http://127.0.0.1:" + stalling.getLocalPort(),
              null,
              "orders_dag",
              null,
              null,
              Map.of(),
              null,
              new Launcher.Login("floe", "${secret:airflow-password}"));

      for (int attempt = 1; attempt <= 2; attempt++) {
        JobLauncher.Outcome outcome =
            quick.call(dag, run(attempt)).get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(outcome)
            .isInstanceOfSatisfying(
                JobLauncher.Failed.class,
                f -> {
                  assertThat(f.kind()).isEqualTo(RunFailed.ErrorKind.TRANSIENT);
                  assertThat(f.message()).contains("/auth/token").contains("timed out");
                });
      }
      assertThat(held).hasSize(2); // one login per launch
    } finally {
      for (java.net.Socket socket : held) {
        socket.close();
      }
    }
  }

  @Test
  void aTokenRefusedAgainFailsTheLaunchAfterOneRenewal() {
    airflow.tokenLifetime(Duration.ZERO); // every token has expired when it is used
    JobLauncher.Outcome outcome = launcher("s3cret").call(dag(null), run(1)).join();

    assertThat(outcome)
        .isInstanceOfSatisfying(
            JobLauncher.Failed.class,
            f -> {
              assertThat(f.kind()).isEqualTo(RunFailed.ErrorKind.PERMANENT);
              assertThat(f.message()).contains("401").contains("Token Expired");
            });
    assertThat(dagRunStatuses()).containsExactly(401, 401);
    assertThat(airflow.calls("/auth/token")).hasSize(2);
  }

  @Test
  void aLoginAirflowRefusesFailsTheLaunchWithoutTriggeringOrTellingThePassword() {
    JobLauncher.Outcome outcome = launcher("wrong-pass").call(dag(null), run(1)).join();

    assertThat(outcome)
        .isInstanceOfSatisfying(
            JobLauncher.Failed.class,
            f -> {
              assertThat(f.kind()).isEqualTo(RunFailed.ErrorKind.PERMANENT);
              assertThat(f.message())
                  .contains("/auth/token")
                  .contains("401")
                  .doesNotContain("wrong-pass");
            });
    assertThat(dagRunStatuses()).isEmpty();
  }

  @Test
  void paramsThatRenderNoObjectFailTheLaunchWithoutACall() {
    JobLauncher.Outcome outcome = launcher("s3cret").call(dag("[{run.records}]"), run(1)).join();

    assertThat(outcome)
        .isInstanceOfSatisfying(
            JobLauncher.Failed.class,
            f -> assertThat(f.message()).contains("must render a JSON object for Airflow's conf"));
    assertThat(airflow.calls()).isEmpty();
  }

  /** The double refuses what Airflow's schema refuses, so the launcher's 200s mean something. */
  @Test
  void theDoubleRefusesBodiesThatAirflowsSchemaRefuses() throws Exception {
    JobLauncher launcher = launcher("s3cret");
    launcher.call(dag(null), run(1)).join();
    String token =
        JSON.readTree(airflow.calls("/auth/token").get(0).answer()).get("access_token").asText();
    HttpClient http = HttpClient.newHttpClient();
    for (String body :
        List.of(
            "{\"dag_run_id\": \"a\", \"conf\": {}}", // logical_date is required, if null
            "{\"dag_run_id\": \"b\", \"logical_date\": null, \"conf\": 3}",
            "{\"dag_run_id\": \"c\", \"logical_date\": null, \"attempt\": 1}")) {
      HttpResponse<String> answer =
          http.send(
              HttpRequest.newBuilder(URI.create(airflow.url() + "/api/v2/dags/orders_dag/dagRuns"))
                  .header("Authorization", "Bearer " + token)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).as(body).isEqualTo(422);
      assertThat(JSON.readTree(answer.body()).get("detail").isArray()).isTrue();
    }
  }
}
