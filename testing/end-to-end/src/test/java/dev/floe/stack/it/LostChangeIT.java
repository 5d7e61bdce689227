package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.ChangeLost;
import dev.floe.contracts.event.SnapshotCommitted;
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
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A change lost under a capture backlog is never silent, through the packaged services on the
 * shared stack. The capture service is killed; two commits land on its source and the first one's
 * snapshot is expired (files kept), as a writer's maintenance may do while the capture lags; the
 * restarted capture publishes {@code ChangeLost} for it and captures the second. A trigger with the
 * default {@code onLost: hold} holds, its status naming the lost snapshot, and runs nothing until
 * it is resumed; then its run lists the lost change beside the second one. A trigger with {@code
 * onLost: continue} runs at once, listing it the same way. The held trigger's status holds a
 * backfill request of the lost commit's data files still live, found by their sequence number;
 * posted as it is, it plans exactly those files and runs them.
 */
class LostChangeIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OffsetDateTime DAY =
      OffsetDateTime.of(2026, 12, 2, 0, 0, 0, 0, ZoneOffset.UTC);

  @Test
  @Timeout(300)
  void aLostChangeHoldsATriggerUntilResumedAndEveryRunAfterItListsIt() throws Exception {
    LocalStack stack = SharedStack.get();
    URI listener = stack.service("commit-listener").url();
    URI capture = stack.service("change-capture-service").url();
    URI trigger = stack.service("trigger-service").url();
    StackHttp admin = StackHttp.as(stack, "admin");
    StackHttp operator = StackHttp.as(stack, "operator");
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    String captureId = "lost-" + suffix;
    String held = "held-" + suffix;
    String goesOn = "goes-on-" + suffix;

    // The job: every run it is sent, by trigger; each reported a success.
    Map<String, JsonNode> runs = new ConcurrentHashMap<>();
    try (JobServer job =
            JobServer.start(2)
                .on(
                    "/job",
                    call -> Reply.of(200),
                    call -> {
                      runs.put(call.json().path("triggerId").asText(), call.json());
                      operator.report(trigger, call.runId(), "{\"status\": \"succeeded\"}");
                    });
        EventTap changes = new EventTap(stack.kafka().bootstrapServers(), Topics.CHANGES);
        EventTap snapshots = new EventTap(stack.kafka().bootstrapServers(), Topics.SNAPSHOTS)) {
      TableWriter writer = new TableWriter(stack.catalog().catalog());
      String name = "lost_" + suffix;
      Table source =
          writer.createOrLoad(TableIdentifier.of("demo", name), Orders.SCHEMA, Orders.BY_DAY);
      assertThat(
              admin.post(
                  capture.resolve("/captures"),
                  "{\"id\": \"%s\", \"table\": \"demo.%s\"}".formatted(captureId, name)))
          .isEqualTo(201);
      for (String[] t : List.of(new String[] {held, "hold"}, new String[] {goesOn, "continue"})) {
        assertThat(
                admin.post(
                    trigger.resolve("/triggers"),
                    ("{\"id\": \"%s\", \"inputs\": [{\"capture\": \"%s\"}], \"onLost\": \"%s\","
                            + " \"launcher\": {\"type\": \"webhook\", \"url\": \"%s\"}}")
                        .formatted(t[0], captureId, t[1], job.url("/job"))))
            .isEqualTo(201);
      }
      assertThat(admin.post(listener.resolve("/watches"), "{\"table\": \"demo." + name + "\"}"))
          .isIn(200, 201);
      Snapshot first = writer.append(source, List.of(order(source, 1)));
      changes.await(
          ChangeCaptured.class,
          c -> c.captureId().equals(captureId) && c.range().toSnapshotId() == first.snapshotId(),
          Duration.ofSeconds(60));
      await("both triggers ran the first change")
          .atMost(Duration.ofSeconds(60))
          .until(() -> runs.containsKey(held) && runs.containsKey(goesOn));
      runs.clear();

      // A backlog: the capture is down while two commits land, and the first one's snapshot is
      // expired before the capture comes back (in metadata only: no file is deleted).
      stack.service("change-capture-service").kill();
      Snapshot lost = writer.append(source, List.of(order(source, 2)));
      Snapshot next = writer.append(source, List.of(order(source, 3)));
      // Published by the listener first: a snapshot expired before that is a history gap instead.
      for (Snapshot s : List.of(lost, next)) {
        snapshots.await(
            SnapshotCommitted.class, c -> c.snapshotId() == s.snapshotId(), Duration.ofSeconds(60));
      }
      // What the lost commit added, read while it can still be read.
      long lostFiles =
          java.util.stream.StreamSupport.stream(
                  lost.addedDataFiles(source.io()).spliterator(), false)
              .count();
      TableWriter.expireUnreferenced(source);
      assertThat(source.snapshot(lost.snapshotId())).isNull();
      stack.restart("change-capture-service");

      ChangeLost event =
          changes.await(
              ChangeLost.class,
              l -> l.captureId().equals(captureId) && l.snapshotId() == lost.snapshotId(),
              Duration.ofSeconds(90));
      assertThat(event.reason()).isEqualTo("expired");
      assertThat(event.sequenceNumber()).isEqualTo(lost.sequenceNumber());
      assertThat(event.operation()).isEqualTo("append");
      changes.await(
          ChangeCaptured.class,
          c -> c.captureId().equals(captureId) && c.range().toSnapshotId() == next.snapshotId(),
          Duration.ofSeconds(60));

      // onLost continue: a run at once, listing the lost change.
      await("the continuing trigger's run")
          .atMost(Duration.ofSeconds(60))
          .until(() -> runs.containsKey(goesOn));
      assertLists(runs.get(goesOn), lost, next);

      // onLost hold (the default): no run, and the status says why and what was lost.
      await("the held trigger's status, with the change after the lost one pending")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                JsonNode st = status(operator, trigger, held);
                return "change-lost".equals(st.path("hold").path("reason").asText())
                    && st.path("pendingChangeSets").asInt() == 1;
              });
      JsonNode status = status(operator, trigger, held);
      assertThat(status.path("lost")).hasSize(1);
      assertThat(status.path("lost").get(0).path("snapshotId").asLong())
          .isEqualTo(lost.snapshotId());
      assertThat(status.path("pendingChangeSets").asInt()).isOne();
      assertThat(runs).doesNotContainKey(held);
      // The status holds the backfill of what the lost change added and is still live, ready to
      // post: its files carry the lost commit's sequence number, though its snapshot is gone.
      long lostSequence = lost.sequenceNumber();
      assertThat(status.path("lost").get(0).path("sequenceNumber").asLong())
          .isEqualTo(lostSequence);
      JsonNode backfill = status.path("lost").get(0).path("backfill");
      assertThat(backfill.path("range").path("addedAtSequenceNumber").asLong())
          .isEqualTo(lostSequence);
      assertThat(backfill.path("trigger").asText()).isEqualTo(held);
      // The gauges are refreshed every 10 s.
      await("floe_trigger_held at 1")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () ->
                  operator
                      .metric(trigger, "floe_trigger_held", "trigger=\"" + held + "\"")
                      .equals(List.of("1.0")));

      assertThat(operator.post(trigger.resolve("/triggers/" + held + "/resume"), ""))
          .isEqualTo(200);
      await("the held trigger's run after resume")
          .atMost(Duration.ofSeconds(60))
          .until(() -> runs.containsKey(held));
      assertLists(runs.get(held), lost, next);
      await("the hold gone from the status")
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                JsonNode hold = status(operator, trigger, held).path("hold");
                return hold.isNull() || hold.isMissingNode();
              });

      // The backfill from the status, posted as it is: it plans exactly the lost commit's data
      // files still live, and runs them through the held trigger's job.
      URI backfills = stack.service("backfill-service").url().resolve("/backfills");
      var planned = operator.send("POST", backfills, JSON.writeValueAsString(backfill));
      assertThat(planned.statusCode()).as(planned.body()).isIn(201, 202);
      JsonNode plan = JSON.readTree(planned.body());
      assertThat(lostFiles).isPositive();
      assertThat(plan.path("totals").path("dataFiles").asLong())
          .as("the lost commit's data files, as it listed them before it expired")
          .isEqualTo(lostFiles);
      // Posted again, it is refused: one backfill per lost snapshot and trigger.
      assertThat(operator.send("POST", backfills, JSON.writeValueAsString(backfill)).statusCode())
          .isEqualTo(409);
      String backfillId = plan.path("id").asText();
      await("the backfill of the lost change completed")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () ->
                  JSON.readTree(operator.get(backfills.resolve("/backfills/" + backfillId)).body())
                      .path("state")
                      .asText()
                      .equals("completed"));
    }
  }

  /** The run covers {@code next} and lists {@code lost} as lost, in the capture's one input. */
  private static void assertLists(JsonNode run, Snapshot lost, Snapshot next) {
    assertThat(run.path("inputs")).hasSize(1);
    JsonNode input = run.path("inputs").get(0);
    assertThat(input.path("snapshotRanges")).hasSize(1);
    assertThat(input.path("snapshotRanges").get(0).path("toSnapshotId").asLong())
        .isEqualTo(next.snapshotId());
    assertThat(input.path("lost")).hasSize(1);
    assertThat(input.path("lost").get(0).path("snapshotId").asLong()).isEqualTo(lost.snapshotId());
    assertThat(input.path("lost").get(0).path("reason").asText()).isEqualTo("expired");
  }

  private static JsonNode status(StackHttp operator, URI trigger, String id) throws Exception {
    return JSON.readTree(operator.get(trigger.resolve("/triggers/" + id)).body()).path("status");
  }

  private static org.apache.iceberg.data.Record order(Table t, long id) {
    return Orders.order(t, id, "eu-west", "NEW", BigDecimal.TEN, DAY.plusMinutes(id));
  }
}
