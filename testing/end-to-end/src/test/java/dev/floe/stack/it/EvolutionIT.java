package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunSucceeded;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.LocalStack;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.JobServer;
import dev.floe.stack.test.JobServer.Reply;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A table that evolves under its capture, through the packaged services on the shared stack: a
 * column added, a partition field added, the table upgraded from format 2 to 3, with merge-on-read
 * updates (position deletes, then deletion vectors), an upsert as Flink writes it (equality deletes
 * with the new rows), equality deletes alone and a copy-on-write overwrite among appends. The
 * trigger's job is {@link RevenueJob}: it keeps orders and revenue per day from each run's added
 * and removed states and checks, after every run, its totals against a full recomputation and the
 * states against the source ({@code rows(Sn) = rows(S0) − removed + added}). Runs are formed over
 * several changes (the trigger paused meanwhile) across the schema and spec changes, and over one
 * change each after the format upgrade. Two things no table can hold end visibly: a run over a
 * format-2 update and deletion vectors after the upgrade fails at once ({@code RunFailed}, {@code
 * permanent}, naming why) and its changes run again without states; an update after the upgrade of
 * a data file that kept its format-2 position deletes goes out without states, saying why, and so
 * does its run. The job recomputes from the source after each.
 */
class EvolutionIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final OffsetDateTime DAY =
      OffsetDateTime.of(2026, 12, 1, 0, 0, 0, 0, ZoneOffset.UTC);

  @Test
  @Timeout(300)
  void runsOverAnEvolvingTableKeepEveryJobTotalRight() throws Exception {
    LocalStack stack = SharedStack.get();
    URI trigger = stack.service("trigger-service").url();
    Catalog catalog = stack.catalog().catalog();
    StackHttp admin = StackHttp.as(stack, "admin");
    StackHttp operator = StackHttp.as(stack, "operator");
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    String name = "evolving_" + suffix;
    String triggerId = "evolving-" + suffix;
    TableWriter writer = new TableWriter(catalog);
    Table source =
        writer.createOrLoad(TableIdentifier.of("demo", name), Orders.SCHEMA, Orders.BY_DAY);

    // The job: one run at a time (latest-only), applied to the totals once per run id.
    RevenueJob revenue = new RevenueJob();
    Map<String, Long> lastSnapshotByRun = new ConcurrentHashMap<>();
    Map<String, JsonNode> inputsByRun = new ConcurrentHashMap<>();
    AtomicReference<CountDownLatch> hold = new AtomicReference<>();
    Queue<String> jobErrors = new ConcurrentLinkedQueue<>();
    ExecutorService jobs = Executors.newSingleThreadExecutor();
    Consumer<JsonNode> applyRun =
        run -> {
          String runId = run.get("runId").asText();
          try {
            CountDownLatch latch = hold.get();
            if (latch != null && !latch.await(120, TimeUnit.SECONDS)) {
              throw new IllegalStateException("held for two minutes");
            }
            JsonNode input = run.get("inputs").get(0);
            if (!revenue.hasApplied(runId)) {
              Table table = catalog.loadTable(TableIdentifier.of("demo", name));
              revenue.keep(revenue.next(catalog, table, name, runId, input));
            }
            inputsByRun.put(runId, input);
            JsonNode ranges = input.get("snapshotRanges");
            lastSnapshotByRun.put(
                runId, ranges.get(ranges.size() - 1).get("toSnapshotId").asLong());
            operator.report(trigger, runId, "{\"status\": \"succeeded\"}");
          } catch (RuntimeException | InterruptedException e) {
            jobErrors.add(runId + ": " + e);
            operator.report(trigger, runId, "{\"status\": \"failed\"}");
          }
        };
    try (JobServer job =
            JobServer.start(2)
                .on(
                    "/job",
                    call -> Reply.of(200),
                    call -> {
                      JsonNode run = call.json();
                      jobs.submit(() -> applyRun.accept(run));
                    });
        EventTap runs = new EventTap(stack.kafka().bootstrapServers(), Topics.RUNS)) {
      String captureId = "cap-" + triggerId;
      assertThat(
              admin.post(
                  stack.service("change-capture-service").url().resolve("/captures"),
                  "{\"id\": \"%s\", \"table\": \"demo.%s\", \"trackedFields\": [\"order_ts\"]}"
                      .formatted(captureId, name)))
          .isEqualTo(201);
      assertThat(
              admin.post(
                  trigger.resolve("/triggers"),
                  ("{\"id\": \"%s\", \"inputs\": [{\"capture\": \"%s\"}], \"paused\": true,"
                          + " \"concurrency\": {\"policy\": \"latest-only\"},"
                          + " \"retry\": {\"maxAttempts\": 3, \"backoff\": \"PT1S\"},"
                          + " \"launcher\": {\"type\": \"webhook\", \"url\":"
                          + " \"%s\"}}")
                      .formatted(triggerId, captureId, job.url("/job"))))
          .isEqualTo(201);
      assertThat(
              admin.post(
                  stack.service("commit-listener").url().resolve("/watches"),
                  "{\"table\": \"demo." + name + "\"}"))
          .isIn(200, 201);

      // Paused: a first load, a column added, a merge-on-read update, a partition field added.
      writer.append(source, orders(source, 1, 12));
      source = writer.evolveSchema(source, u -> u.addColumn("channel", Types.StringType.get()));
      writer.append(source, orders(source, 13, 4));
      writer.updateRows(
          source, Expressions.in("order_id", 1L, 5L, 14L), r -> changed(r, "SHIPPED", 1));
      source = writer.evolveSpec(source, u -> u.addField("region"));
      Snapshot paused = writer.append(source, orders(source, 17, 4));
      assertThat(admin.post(trigger.resolve("/triggers/" + triggerId + "/resume"), ""))
          .isEqualTo(200);
      awaitApplied(lastSnapshotByRun, paused, jobErrors);

      // An upsert as Flink writes it, whose run the job holds while a merge-on-read update in
      // format 2, the upgrade to format 3 and deletion vectors on other files wait behind it (the
      // trigger runs one at a time). The next run, over those two, needs the format-2 position
      // deletes and the vectors in one state, which no table takes (a vector needs format 3, which
      // takes no format-2 position deletes): it fails at once, naming why, and its changes run
      // again without states.
      source.refresh();
      List<Record> live = rows(source);
      List<Record> upserted = new ArrayList<>();
      upserted.add(changed(byId(live, 2), "RETURNED", -1));
      upserted.add(changed(byId(live, 15), "RETURNED", -1));
      upserted.addAll(orders(source, 21, 2));
      // The trigger idle first: the upsert's change must find no run in flight, so that it gets a
      // run of its own for the job to hold.
      await("the trigger idle")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                JsonNode status = status(operator, trigger, triggerId);
                return status.path("pendingChangeSets").asInt(-1) == 0
                    && status.path("runs").isArray()
                    && status.path("runs").isEmpty();
              });
      CountDownLatch held = new CountDownLatch(1);
      hold.set(held);
      Snapshot upsert = writer.upsert(source, "order_id", upserted);
      writer.updateRows(source, Expressions.in("order_id", 13L), r -> changed(r, "SHIPPED", 3));
      source.updateProperties().set(TableProperties.FORMAT_VERSION, "3").commit();
      source.refresh();
      Snapshot vectors = writer.deleteRowsByVector(source, Expressions.in("order_id", 3L, 18L));
      await("the update and the vectors pending behind the upsert's run")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> status(operator, trigger, triggerId).path("pendingChangeSets").asInt(-1) == 2);
      hold.set(null);
      held.countDown();
      awaitApplied(lastSnapshotByRun, upsert, jobErrors);
      String upsertRun =
          inputsByRun.entrySet().stream()
              .filter(e -> covers(e.getValue(), upsert.snapshotId()))
              .map(Map.Entry::getKey)
              .findFirst()
              .orElseThrow();
      RunSucceeded before =
          runs.await(RunSucceeded.class, r -> r.runId().equals(upsertRun), Duration.ofSeconds(30));
      RunFailed failed =
          runs.await(RunFailed.class, f -> f.triggerId().equals(triggerId), Duration.ofSeconds(30));
      Duration within = Duration.between(before.finishedAt(), failed.finishedAt());
      System.out.printf(
          "evolution: RunFailed %s after the run before it succeeded: %s%n",
          within, failed.message());
      assertThat(failed.errorKind()).isEqualTo(RunFailed.ErrorKind.PERMANENT);
      assertThat(failed.willRetry()).isFalse();
      assertThat(failed.message()).contains("takes no format-2 position deletes");
      assertThat(within).as("from the run before to RunFailed").isLessThan(Duration.ofSeconds(5));
      awaitApplied(lastSnapshotByRun, vectors, jobErrors);

      // One change at a time: a deletion vector replacing another on the same data file.
      awaitApplied(
          lastSnapshotByRun,
          writer.updateRows(
              source, Expressions.in("order_id", 6L, 12L), r -> changed(r, "PAID", 2)),
          jobErrors);
      // A row of a data file that kept its format-2 position deletes through the upgrade: its
      // removed state would need them, which Iceberg refuses on a format-3 table. The change and
      // its run go without states, saying why; the job recomputes from the source, once.
      Snapshot legacy =
          writer.updateRows(source, Expressions.in("order_id", 4L), r -> changed(r, "PAID", 2));
      awaitApplied(lastSnapshotByRun, legacy, jobErrors);
      JsonNode legacyInput =
          inputsByRun.values().stream()
              .filter(i -> covers(i, legacy.snapshotId()))
              .findFirst()
              .orElseThrow();
      assertThat(legacyInput.path("icdc").isObject()).isFalse();
      assertThat(legacyInput.path("statesOmitted").asText())
          .contains("the change came without states")
          .contains("takes no format-2 position deletes");

      // Paused again: equality deletes alone, a copy-on-write overwrite of a day, an append.
      assertThat(admin.post(trigger.resolve("/triggers/" + triggerId + "/pause"), ""))
          .isEqualTo(200);
      writer.deleteRowsByEquality(source, "order_id", List.of(7L, 19L));
      source.refresh();
      List<Record> firstDay = new ArrayList<>();
      for (Record row : rows(source)) {
        if (((OffsetDateTime) row.getField("order_ts")).isBefore(DAY.plusDays(1))
            && !row.getField("order_id").equals(9L)) {
          firstDay.add(changed(row, "ARCHIVED", 0));
        }
      }
      writer.overwrite(
          source,
          Expressions.lessThan("order_ts", DAY.plusDays(1).toInstant().toString()),
          firstDay);
      Snapshot last = writer.append(source, orders(source, 23, 3));
      assertThat(admin.post(trigger.resolve("/triggers/" + triggerId + "/resume"), ""))
          .isEqualTo(200);
      awaitApplied(lastSnapshotByRun, last, jobErrors);

      System.out.printf(
          "evolution: %d runs applied from their states, %d with a removed state, %d rebased%n",
          revenue.applied(), revenue.withRemoved(), revenue.rebased());
      assertThat(jobErrors).as("job errors").isEmpty();
      assertThat(revenue.invariantBreaks()).as("runs whose states broke the rule").isEmpty();
      assertThat(revenue.mismatches()).as("totals that differ from a recomputation").isEmpty();
      assertThat(revenue.rebased())
          .as("runs without states: the refused run's changes again, the legacy update's")
          .isEqualTo(2);
      assertThat(revenue.applied()).as("runs applied from their states").isGreaterThanOrEqualTo(5);
      // Both counted where operators look: the change without states, the run refused.
      assertThat(
              operator.metric(
                  stack.service("change-capture-service").url(),
                  "floe_capture_states_omitted_total",
                  "capture=\"" + captureId + "\""))
          .containsExactly("1.0");
      assertThat(
              operator.metric(
                  trigger, "floe_trigger_runs_refused_total", "trigger=\"" + triggerId + "\""))
          .containsExactly("1.0");
      assertThat(revenue.withRemoved()).as("runs with a removed state").isGreaterThanOrEqualTo(4);
    } finally {
      jobs.shutdownNow();
    }
  }

  /** The trigger's status, as its decision state holds it. */
  private static JsonNode status(StackHttp operator, URI trigger, String triggerId) {
    try {
      return JSON.readTree(operator.get(trigger.resolve("/triggers/" + triggerId)).body())
          .path("status");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until a run covering {@code snapshot} (or a later one) was applied by the job. */
  private static void awaitApplied(
      Map<String, Long> lastSnapshotByRun, Snapshot snapshot, Queue<String> jobErrors) {
    await("a run covering snapshot " + snapshot.snapshotId() + " applied")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              assertThat(jobErrors).as("job errors").isEmpty();
              return lastSnapshotByRun.containsValue(snapshot.snapshotId());
            });
  }

  private static boolean covers(JsonNode input, long snapshotId) {
    for (JsonNode range : input.get("snapshotRanges")) {
      for (JsonNode id : range.get("snapshotIds")) {
        if (id.asLong() == snapshotId) {
          return true;
        }
      }
    }
    return false;
  }

  private static List<Record> orders(Table table, long first, int n) {
    List<Record> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long id = first + i;
      Record row =
          Orders.order(
              table,
              id,
              id % 2 == 0 ? "eu-west" : "us-east",
              "NEW",
              BigDecimal.valueOf(100 + id, 2),
              DAY.plusDays(id % 3).plusMinutes(id));
      if (table.schema().findField("channel") != null) {
        row.setField("channel", "web");
      }
      rows.add(row);
    }
    return rows;
  }

  private static Record changed(Record row, String status, int amountDelta) {
    Record copy = row.copy();
    copy.setField("status", status);
    copy.setField(
        "amount", ((BigDecimal) row.getField("amount")).add(BigDecimal.valueOf(amountDelta)));
    return copy;
  }

  private static Record byId(List<Record> rows, long id) {
    return rows.stream()
        .filter(r -> r.getField("order_id").equals(id))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no order " + id));
  }

  /**
   * The table's live rows with its columns only: Iceberg's generic scan of a file with position
   * deletes also returns the {@code _pos} column its delete filter needed.
   */
  private static List<Record> rows(Table table) {
    List<Record> rows = new ArrayList<>();
    try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
      records.forEach(
          r -> {
            GenericRecord row = GenericRecord.create(table.schema());
            table.schema().columns().forEach(c -> row.setField(c.name(), r.getField(c.name())));
            rows.add(row);
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }
}
