package dev.floe.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.event.SnapshotHistoryGap;
import dev.floe.contracts.event.TableDropped;
import dev.floe.contracts.event.TableEvent;
import dev.floe.contracts.event.TableLineageDiverged;
import dev.floe.contracts.event.TableRecreated;
import dev.floe.contracts.event.TableRolledBack;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.test.InjectFloeStack;
import dev.floe.stack.test.TestTier;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.util.SnapshotUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the listener publishes for a stream of real commits, on a real broker. Each subclass runs it
 * against one of the three catalogs.
 */
abstract class CommitStreamContract {
  private static final int TABLES = 5;

  /**
   * Ten writers on five tables: each table sees about 12 commits in the gate (40 in the soak), most
   * of them retried after losing a race, which is what the lineage order has to survive. The
   * writers' commits, not the listener, take this test's time: 120 took 35 to 40 s per catalog on a
   * slow afternoon (2026-12-04).
   */
  private static final int COMMITS = TestTier.pick(60, 200);

  private static final OffsetDateTime DAY =
      OffsetDateTime.of(2026, 11, 20, 0, 0, 0, 0, ZoneOffset.UTC);

  @InjectFloeStack FloeStack stack;
  private EventTap tap;

  @BeforeEach
  void tap() {
    tap = new EventTap(stack.kafka().bootstrapServers(), Topics.SNAPSHOTS);
  }

  @AfterEach
  void closeTap() {
    tap.close();
  }

  @Test
  @Timeout(240)
  void publishesEveryCommitOfConcurrentWritersExactlyOnceInLineageOrder() throws Exception {
    TableWriter writer = stack.writer();
    List<TableIdentifier> ids = new ArrayList<>();
    for (int i = 0; i < TABLES; i++) {
      TableIdentifier id = TableIdentifier.of("stream", "t" + i);
      writer.createOrLoad(id, Orders.SCHEMA, Orders.BY_DAY);
      ids.add(id);
    }

    Set<Long> committed = writeConcurrently(ids, COMMITS);

    assertThat(committed).hasSize(COMMITS);
    Map<TableIdentifier, List<Long>> lineage = new java.util.HashMap<>();
    for (TableIdentifier id : ids) {
      Table table = stack.catalog().catalog().loadTable(id);
      List<Long> oldestFirst = new ArrayList<>(SnapshotUtil.currentAncestorIds(table));
      Collections.reverse(oldestFirst);
      lineage.put(id, oldestFirst);
    }
    assertThat(lineage.values().stream().mapToInt(List::size).sum()).isEqualTo(COMMITS);

    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> published(tap.poll(Duration.ofMillis(100))).containsAll(committed));
    List<EventTap.Received> all = tap.drain();

    List<EventTap.Received> ours =
        all.stream()
            .filter(
                r ->
                    r.event().payload() instanceof SnapshotCommitted s
                        && s.table().namespace().equals(List.of("stream")))
            .toList();
    assertThat(ours).hasSize(COMMITS);
    assertThat(ours.stream().map(r -> r.event().id()).distinct()).hasSize(COMMITS);
    for (TableIdentifier id : ids) {
      List<EventTap.Received> forTable =
          ours.stream()
              .filter(
                  r -> ((SnapshotCommitted) r.event().payload()).table().name().equals(id.name()))
              .toList();
      assertThat(forTable.stream().map(EventTap.Received::partition).distinct())
          .as("one partition per table")
          .hasSize(1);
      List<Long> published =
          forTable.stream()
              .map(r -> ((SnapshotCommitted) r.event().payload()).snapshotId())
              .toList();
      assertThat(published)
          .as("lineage order of %s", id)
          .containsExactlyElementsOf(lineage.get(id));
      for (int i = 1; i < forTable.size(); i++) {
        SnapshotCommitted event = (SnapshotCommitted) forTable.get(i).event().payload();
        assertThat(event.parentSnapshotId()).isEqualTo(published.get(i - 1));
        assertThat(event.detectionLatencyMs()).isNotNegative();
      }
    }
  }

  /** {@code total} successful commits of mixed operations, two writers per table. */
  private Set<Long> writeConcurrently(List<TableIdentifier> ids, int total) throws Exception {
    Set<Long> committed = ConcurrentHashMap.newKeySet();
    Semaphore remaining = new Semaphore(total);
    ExecutorService writers = Executors.newFixedThreadPool(ids.size() * 2);
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < ids.size() * 2; w++) {
      TableIdentifier id = ids.get(w % ids.size());
      Random random = new Random(w);
      long firstOrder = w * 1_000_000L;
      done.add(writers.submit(() -> writeUntilDone(id, random, firstOrder, remaining, committed)));
    }
    for (Future<?> f : done) {
      f.get(180, TimeUnit.SECONDS);
    }
    writers.shutdown();
    return committed;
  }

  private Void writeUntilDone(
      TableIdentifier id,
      Random random,
      long firstOrder,
      Semaphore remaining,
      Set<Long> committed) {
    TableWriter writer = stack.writer();
    Table table = stack.catalog().catalog().loadTable(id);
    long order = firstOrder;
    while (remaining.tryAcquire()) {
      boolean success = false;
      try {
        table.refresh();
        int op = random.nextInt(100);
        Snapshot snapshot;
        if (op < 45 || table.currentSnapshot() == null) {
          List<Record> rows = new ArrayList<>();
          for (int i = 0; i < 1 + random.nextInt(20); i++) {
            String status = random.nextInt(4) == 0 ? "CANCELLED" : "NEW";
            rows.add(
                Orders.order(
                    table,
                    order++,
                    "eu-west",
                    status,
                    BigDecimal.ONE,
                    DAY.plusDays(random.nextInt(3)).plusMinutes(i)));
          }
          snapshot = writer.append(table, rows);
        } else if (op < 55) {
          OffsetDateTime day = DAY.plusDays(random.nextInt(3));
          snapshot =
              writer.overwrite(
                  table,
                  Expressions.equal(
                      Expressions.day("order_ts"), (int) day.toLocalDate().toEpochDay()),
                  List.of(Orders.order(table, order++, "us-east", "PAID", BigDecimal.TEN, day)));
        } else if (op < 65) {
          OffsetDateTime day = DAY.plusDays(random.nextInt(3));
          snapshot =
              writer.deleteFiles(
                  table,
                  Expressions.equal(
                      Expressions.day("order_ts"), (int) day.toLocalDate().toEpochDay()));
        } else if (op < 78) {
          snapshot = writer.deleteRowsByPosition(table, Expressions.equal("status", "CANCELLED"));
        } else if (op < 88) {
          snapshot = writer.deleteRowsByEquality(table, "order_id", List.of(order - 1, order - 2));
        } else {
          snapshot = writer.compact(table);
        }
        success = snapshot != null && committed.add(snapshot.snapshotId());
      } catch (RuntimeException conflict) {
        // a concurrent writer won: refresh and try another operation
      } finally {
        if (!success) {
          remaining.release();
        }
      }
    }
    return null;
  }

  private static Set<Long> published(List<EventTap.Received> received) {
    return received.stream()
        .map(r -> r.event().payload())
        .filter(SnapshotCommitted.class::isInstance)
        .map(p -> ((SnapshotCommitted) p).snapshotId())
        .collect(Collectors.toSet());
  }

  private <T extends TableEvent> T awaitEvent(Class<T> type, String table) {
    return tap.await(type, e -> e.table().name().equals(table), Duration.ofSeconds(60));
  }

  private void awaitPublished(String table, Snapshot snapshot) {
    tap.await(
        SnapshotCommitted.class,
        e -> e.table().name().equals(table) && e.snapshotId() == snapshot.snapshotId(),
        Duration.ofSeconds(60));
  }

  private Table historyTable(String name) {
    return stack
        .writer()
        .createOrLoad(TableIdentifier.of("history", name), Orders.SCHEMA, Orders.BY_DAY);
  }

  private List<Record> rows(Table table, int n) {
    List<Record> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(
          Orders.order(
              table, System.nanoTime(), "eu-west", "NEW", BigDecimal.ONE, DAY.plusMinutes(i)));
    }
    return rows;
  }

  @Test
  @Timeout(120)
  void reportsARollback() {
    Table table = historyTable("rollback");
    Snapshot s1 = stack.writer().append(table, rows(table, 1));
    stack.writer().append(table, rows(table, 1));
    Snapshot s3 = stack.writer().append(table, rows(table, 1));
    awaitPublished("rollback", s3);

    stack.writer().rollbackTo(table, s1.snapshotId());

    TableRolledBack event = awaitEvent(TableRolledBack.class, "rollback");
    assertThat(event.fromSnapshotId()).isEqualTo(s3.snapshotId());
    assertThat(event.toSnapshotId()).isEqualTo(s1.snapshotId());
  }

  @Test
  @Timeout(120)
  void reportsADivergence() {
    Table table = historyTable("diverge");
    Snapshot s1 = stack.writer().append(table, rows(table, 1));
    Snapshot s2 = stack.writer().append(table, rows(table, 1));
    awaitPublished("diverge", s2);

    Snapshot s3 = stack.writer().rollbackAndAppend(table, s1.snapshotId(), rows(table, 1));

    TableLineageDiverged event = awaitEvent(TableLineageDiverged.class, "diverge");
    assertThat(event.commonAncestorSnapshotId()).isEqualTo(s1.snapshotId());
    assertThat(event.abandonedSnapshotIds()).containsExactly(s2.snapshotId());
    awaitPublished("diverge", s3);
  }

  @Test
  @Timeout(120)
  void reportsADroppedTable() {
    Table table = historyTable("dropped");
    Snapshot s1 = stack.writer().append(table, rows(table, 1));
    awaitPublished("dropped", s1);

    stack.catalog().catalog().dropTable(TableIdentifier.of("history", "dropped"), false);

    TableDropped event = awaitEvent(TableDropped.class, "dropped");
    assertThat(event.tableUuid()).isEqualTo(table.uuid().toString());
    assertThat(event.lastSnapshotId()).isEqualTo(s1.snapshotId());
  }

  @Test
  @Timeout(120)
  void reportsARecreatedTable() {
    Table table = historyTable("recreated");
    Snapshot s1 = stack.writer().append(table, rows(table, 1));
    awaitPublished("recreated", s1);

    stack.catalog().catalog().dropTable(TableIdentifier.of("history", "recreated"), false);
    Table again = historyTable("recreated");
    Snapshot fresh = stack.writer().append(again, rows(again, 1));

    TableRecreated event = awaitEvent(TableRecreated.class, "recreated");
    assertThat(event.previousTableUuid()).isEqualTo(table.uuid().toString());
    assertThat(event.tableUuid()).isEqualTo(again.uuid().toString());
    awaitPublished("recreated", fresh);
  }

  @Test
  @Timeout(120)
  void reportsHistoryThatExpiredBeforeItWasPublished() {
    Table table = historyTable("expired");
    Snapshot s1 = stack.writer().append(table, rows(table, 1));
    awaitPublished("expired", s1);

    List<Long> ids =
        stack
            .writer()
            .appendThenExpire(table, List.of(rows(table, 1), rows(table, 1), rows(table, 1)));

    SnapshotHistoryGap gap = awaitEvent(SnapshotHistoryGap.class, "expired");
    assertThat(gap.lastPublishedSnapshotId()).isEqualTo(s1.snapshotId());
    assertThat(gap.firstAvailableSnapshotId()).isEqualTo(ids.get(2));
    assertThat(gap.lastLostSnapshotId()).isEqualTo(ids.get(1));
  }
}
