package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.LocalStack;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.JobServer;
import dev.floe.stack.test.JobServer.Reply;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A run whose states can never be formed fails at once, visibly, and does not hold the trigger up,
 * through the packaged services on the shared stack. A trigger reads two captures, a and b; a's
 * pins live one second. While the trigger is paused, a's source gets two changes and b's one; then
 * a's snapshots are expired (without deleting a file), as a writer's maintenance may do once pins
 * have lapsed. On resume the run over a's two changes cannot be formed: a snapshot of its range is
 * gone, which no retry can bring back. Within seconds the trigger publishes {@code RunFailed}
 * ({@code permanent}, with the reason) and counts it in {@code floe_trigger_runs_refused_total}
 * (which read 0 before); then it goes on: the failed run's changes are run again, a's without
 * states (saying why), and a later change of b gets a run with its states.
 */
class RefusedStatesIT {
  private static final OffsetDateTime DAY =
      OffsetDateTime.of(2026, 12, 1, 0, 0, 0, 0, ZoneOffset.UTC);

  @Test
  @Timeout(300)
  void aRunWhoseStatesCannotBeFormedFailsWithinSecondsAndTheTriggerGoesOn() throws Exception {
    LocalStack stack = SharedStack.get();
    URI listener = stack.service("commit-listener").url();
    URI capture = stack.service("change-capture-service").url();
    URI trigger = stack.service("trigger-service").url();
    Catalog catalog = stack.catalog().catalog();
    StackHttp admin = StackHttp.as(stack, "admin");
    StackHttp operator = StackHttp.as(stack, "operator");
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    String triggerId = "refused-" + suffix;

    // The job: every run it is sent, by run id; each reported a success.
    Map<String, JsonNode> launched = new ConcurrentHashMap<>();
    try (JobServer job =
            JobServer.start(2)
                .on(
                    "/job",
                    call -> Reply.of(200),
                    call -> {
                      launched.put(call.runId(), call.json());
                      operator.report(trigger, call.runId(), "{\"status\": \"succeeded\"}");
                    });
        EventTap changes = new EventTap(stack.kafka().bootstrapServers(), Topics.CHANGES);
        EventTap runs = new EventTap(stack.kafka().bootstrapServers(), Topics.RUNS)) {
      TableWriter writer = new TableWriter(catalog);
      Table a = source(writer, "refused_a_" + suffix);
      Table b = source(writer, "refused_b_" + suffix);
      String capA = "cap-a-" + suffix;
      String capB = "cap-b-" + suffix;
      assertThat(
              admin.post(
                  capture.resolve("/captures"),
                  "{\"id\": \"%s\", \"table\": \"demo.%s\", \"pinTtl\": \"PT1S\"}"
                      .formatted(capA, a.name().substring(a.name().lastIndexOf('.') + 1))))
          .isEqualTo(201);
      assertThat(
              admin.post(
                  capture.resolve("/captures"),
                  "{\"id\": \"%s\", \"table\": \"demo.%s\"}"
                      .formatted(capB, b.name().substring(b.name().lastIndexOf('.') + 1))))
          .isEqualTo(201);
      assertThat(
              admin.post(
                  trigger.resolve("/triggers"),
                  ("{\"id\": \"%s\", \"inputs\": [{\"capture\": \"%s\"}, {\"capture\": \"%s\"}],"
                          + " \"paused\": true, \"retry\": {\"maxAttempts\": 3, \"backoff\":"
                          + " \"PT1S\"}, \"launcher\": {\"type\": \"webhook\", \"url\":"
                          + " \"%s\"}}")
                      .formatted(triggerId, capA, capB, job.url("/job"))))
          .isEqualTo(201);
      for (Table t : List.of(a, b)) {
        assertThat(admin.post(listener.resolve("/watches"), "{\"table\": \"" + name(t) + "\"}"))
            .isIn(200, 201);
      }

      Snapshot a1 = writer.append(a, List.of(order(a, 1)));
      Snapshot a2 = writer.append(a, List.of(order(a, 2)));
      Snapshot b1 = writer.append(b, List.of(order(b, 3)));
      for (Snapshot s : List.of(a1, a2, b1)) {
        changes.await(
            ChangeCaptured.class,
            c -> c.range().toSnapshotId() == s.snapshotId(),
            Duration.ofSeconds(60));
      }

      // The refused-runs counter exists from 0 once the trigger has state, so that an alert on
      // its increase sees the first refusal.
      await("the trigger's refused-runs counter at 0")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> refusedCounter(operator, trigger, triggerId).equals(List.of("0.0")));

      // The pins of a's snapshots lapse after a second; then a's history is expired, files kept.
      await("a's pins past their one-second TTL")
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> System.currentTimeMillis() > a2.timestampMillis() + 1_000);
      a.refresh();
      a.expireSnapshots()
          .expireOlderThan(System.currentTimeMillis())
          .retainLast(1)
          .cleanExpiredFiles(false)
          .commit();
      a.refresh();
      assertThat(a.snapshot(a1.snapshotId())).as("a's first change's snapshot, expired").isNull();

      Instant resumed = Instant.now();
      assertThat(admin.post(trigger.resolve("/triggers/" + triggerId + "/resume"), ""))
          .isEqualTo(200);
      RunFailed failed =
          runs.await(RunFailed.class, f -> f.triggerId().equals(triggerId), Duration.ofSeconds(30));
      Duration within = Duration.between(resumed, failed.finishedAt());
      System.out.printf(
          "refused states: RunFailed %s after resuming: %s%n", within, failed.message());
      assertThat(failed.errorKind()).isEqualTo(RunFailed.ErrorKind.PERMANENT);
      assertThat(failed.willRetry()).isFalse();
      assertThat(failed.message())
          .as("the reason")
          .contains("cannot be formed")
          .contains(Long.toString(a1.snapshotId()));
      assertThat(within).as("from resume to RunFailed").isLessThan(Duration.ofSeconds(5));
      assertThat(refusedCounter(operator, trigger, triggerId))
          .as("the refused-runs counter")
          .containsExactly("1.0");

      // The trigger goes on: the failed run's changes run again, a's without states and saying
      // why, b's with its state; a later change of b gets a run with its own state.
      String firstRun = failed.runId();
      await("the failed run's changes launched again")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> launched.values().stream().anyMatch(run -> input(run, capA) != null));
      JsonNode again =
          launched.values().stream().filter(run -> input(run, capA) != null).findFirst().get();
      assertThat(again.get("runId").asText()).as("the run again").isNotEqualTo(firstRun);
      JsonNode inputA = input(again, capA);
      JsonNode inputB = input(again, capB);
      assertThat(inputA.path("icdc").isNull() || inputA.path("icdc").isMissingNode()).isTrue();
      assertThat(inputA.path("statesOmitted").asText()).contains("states refused");
      assertThat(inputA.path("changeIds")).hasSize(2);
      assertThat(inputB.path("icdc").isObject()).as("b's state in the run again").isTrue();

      Snapshot b2 = writer.append(b, List.of(order(b, 4)));
      await("a run of b's next change, with its state")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  launched.values().stream()
                      .map(run -> input(run, capB))
                      .anyMatch(
                          in ->
                              in != null
                                  && in.path("icdc").isObject()
                                  && covers(in, b2.snapshotId())));
      assertThat(
              runs.drain().stream()
                  .map(r -> r.event().payload())
                  .filter(p -> p instanceof RunFailed f && f.triggerId().equals(triggerId))
                  .count())
          .as("runs of the trigger that failed")
          .isEqualTo(1);
      assertThat(runs.payloads(RunRequested.class, r -> r.triggerId().equals(triggerId)))
          .as("runs requested")
          .hasSizeGreaterThanOrEqualTo(2);
    }
  }

  /** The values of the trigger's refused-runs counter on the trigger-service's metrics. */
  private static List<String> refusedCounter(StackHttp operator, URI trigger, String triggerId) {
    return operator.metric(
        trigger, "floe_trigger_runs_refused_total", "trigger=\"" + triggerId + "\"");
  }

  private static Table source(TableWriter writer, String name) {
    Table t = writer.createOrLoad(TableIdentifier.of("demo", name), Orders.SCHEMA, Orders.BY_DAY);
    t.updateProperties().set(TableProperties.COMMIT_NUM_RETRIES, "20").commit();
    return t;
  }

  private static String name(Table t) {
    String full = t.name();
    return "demo." + full.substring(full.lastIndexOf('.') + 1);
  }

  private static org.apache.iceberg.data.Record order(Table t, long id) {
    return Orders.order(t, id, "eu-west", "NEW", BigDecimal.TEN, DAY.plusMinutes(id));
  }

  private static JsonNode input(JsonNode run, String captureId) {
    for (JsonNode input : run.get("inputs")) {
      if (input.get("captureId").asText().equals(captureId)) {
        return input;
      }
    }
    return null;
  }

  private static boolean covers(JsonNode input, long snapshotId) {
    for (JsonNode range : input.get("snapshotRanges")) {
      if (range.get("toSnapshotId").asLong() == snapshotId) {
        return true;
      }
    }
    return false;
  }
}
