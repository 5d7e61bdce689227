package dev.floe.trigger.launch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.model.Launcher;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Maestro launcher against a Maestro that answers as its code does ({@link MaestroServer}): a
 * caller in the {@code user} header, {@code DUPLICATED} for a repeated request id, {@code STOPPED}
 * under the {@code FIRST_ONLY} run strategy.
 */
@Tag("unit")
class MaestroLauncherTest {
  private final MaestroServer maestro =
      new MaestroServer().workflow("orders_wf", false).workflow("single_wf", true);

  @AfterEach
  void stop() {
    maestro.close();
  }

  private final JobLauncher launcher =
      new JobLauncher(
          Duration.ofSeconds(5),
          2,
          Duration.ofMillis(50),
          new LaunchSecrets(Map.of()),
          "floe-prod",
          Clock.systemUTC());

  private Launcher workflow(String id, String user) {
    return new Launcher(
        Launcher.Type.MAESTRO, maestro.url(), id, null, null, null, Map.of(), user, null);
  }

  private static RunRequested run(String runId, int attempt) {
    return new RunRequested(runId, "daily", List.of(), 42, false, "changes", null, attempt);
  }

  @Test
  void startsAnInstanceAsTheConfiguredCallerAndReadsItsId() {
    assertThat(launcher.call(workflow("orders_wf", null), run("daily-1", 1)).join())
        .isEqualTo(new JobLauncher.Started("1"));
    assertThat(launcher.call(workflow("orders_wf", "orders-team"), run("daily-2", 1)).join())
        .isEqualTo(new JobLauncher.Started("2"));

    assertThat(maestro.instances("orders_wf"))
        .extracting(MaestroServer.Instance::caller)
        .containsExactly("floe-prod", "orders-team");
  }

  @Test
  void aRepeatedStartResolvesTheInstanceTheFirstCreated() {
    JobLauncher.Outcome first =
        launcher.call(workflow("orders_wf", null), run("daily-1", 1)).join();
    assertThat(first).isEqualTo(new JobLauncher.Started("1"));
    maestro.others("orders_wf", 250); // the first is on the listing's second page now

    JobLauncher.Outcome again =
        launcher.call(workflow("orders_wf", null), run("daily-1", 1)).join();

    assertThat(again).isEqualTo(new JobLauncher.Started("1"));
    assertThat(maestro.instances("orders_wf")).hasSize(251);
    assertThat(maestro.calls())
        .filteredOn(c -> c.method().equals("GET"))
        .hasSize(2)
        .allSatisfy(c -> assertThat(c.status()).isEqualTo(200));
  }

  @Test
  void aStartTheRunStrategyStopsFailsWithItsReason() {
    assertThat(launcher.call(workflow("single_wf", null), run("daily-1", 1)).join())
        .isEqualTo(new JobLauncher.Started("1"));

    JobLauncher.Outcome stopped =
        launcher.call(workflow("single_wf", null), run("daily-2", 1)).join();

    assertThat(stopped)
        .isInstanceOfSatisfying(
            JobLauncher.Failed.class,
            f -> {
              assertThat(f.kind()).isEqualTo(RunFailed.ErrorKind.PERMANENT);
              assertThat(f.message())
                  .contains("stopped instance 2")
                  .contains("FIRST_ONLY run strategy")
                  .contains("[single_wf][1][1]");
            });
  }

  @Test
  void aRepeatedStartTheRunStrategyHadStoppedFailsWithItsReason() {
    launcher.call(workflow("single_wf", null), run("daily-1", 1)).join(); // runs on
    assertThat(launcher.call(workflow("single_wf", null), run("daily-2", 1)).join())
        .isInstanceOf(JobLauncher.Failed.class);

    // The stop's answer was lost (a crash, a time-out): the repeat finds the stopped instance.
    JobLauncher.Outcome again =
        launcher.call(workflow("single_wf", null), run("daily-2", 1)).join();

    assertThat(again)
        .isInstanceOfSatisfying(
            JobLauncher.Failed.class,
            f -> assertThat(f.message()).contains("stopped instance 2").contains("FIRST_ONLY"));
    assertThat(maestro.instances("single_wf")).hasSize(2);
  }

  @Test
  void aRepeatedStartWhoseInstanceIsBeyondTheNewestThousandIsStartedWithoutItsId() {
    launcher.call(workflow("orders_wf", null), run("daily-1", 1)).join();
    maestro.others("orders_wf", MaestroStarts.PAGE * MaestroStarts.PAGES);

    assertThat(launcher.call(workflow("orders_wf", null), run("daily-1", 1)).join())
        .isEqualTo(new JobLauncher.Started(null));
    assertThat(maestro.calls())
        .filteredOn(c -> c.method().equals("GET"))
        .hasSize(MaestroStarts.PAGES);
  }

  @Test
  void theLookUpsSendTheLaunchersHeadersToo() {
    maestro.requireHeader("X-Api-Key", "k3y");
    JobLauncher keyed =
        new JobLauncher(
            Duration.ofSeconds(5),
            2,
            Duration.ofMillis(50),
            new LaunchSecrets(Map.of("maestro-key", "k3y")),
            "floe-prod",
            Clock.systemUTC());
    Launcher wf =
        new Launcher(
            Launcher.Type.MAESTRO,
            maestro.url(),
            "orders_wf",
            null,
            null,
            null,
            Map.of("X-Api-Key", "${secret:maestro-key}"),
            null,
            null);
    assertThat(keyed.call(wf, run("daily-1", 1)).join()).isEqualTo(new JobLauncher.Started("1"));

    assertThat(keyed.call(wf, run("daily-1", 1)).join()).isEqualTo(new JobLauncher.Started("1"));
    assertThat(maestro.calls()).allSatisfy(c -> assertThat(c.status()).isEqualTo(200));
  }

  /** The double refuses what Maestro refuses, so the launcher's starts mean something. */
  @Test
  void theDoubleRefusesStartsMaestroRefuses() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String start = maestro.url() + "/api/v3/workflows/orders_wf/versions/active/actions/start";
    String valid =
        "{\"initiator\": {\"type\": \"MANUAL\"}, \"run_params\": {\"a\": {\"value\": \"x\","
            + " \"type\": \"STRING\"}}}";
    Map<String, String> refused =
        Map.of(
            valid,
            "", // no user header
            "{\"run_params\": {}}",
            "floe",
            "{\"initiator\": {\"type\": \"MANUAL\"}, \"request_id\": \"daily-1\"}",
            "floe",
            "{\"initiator\": {\"type\": \"MANUAL\"}, \"run_params\": {\"a\": {\"value\": \"x\","
                + " \"expression\": \"1;\", \"type\": \"STRING\"}}}",
            "floe");
    for (var request : refused.entrySet()) {
      HttpRequest.Builder builder =
          HttpRequest.newBuilder(URI.create(start))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(request.getKey()));
      if (!request.getValue().isEmpty()) {
        builder.header("user", request.getValue());
      }
      HttpResponse<String> answer =
          http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).as(request.getKey()).isEqualTo(400);
      assertThat(answer.body()).contains("\"status\":\"BAD_REQUEST\"");
    }
  }
}
