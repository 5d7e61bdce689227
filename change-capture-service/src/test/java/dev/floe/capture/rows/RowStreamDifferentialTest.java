package dev.floe.capture.rows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.test.TestTier;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The row stream against the table it describes: over random commit sequences (appends,
 * copy-on-write updates, partition overwrites, file deletes, position deletes or deletion vectors,
 * equality deletes, compactions) on real Parquet, each snapshot's events are serialised as Floe
 * publishes them, read back with Kafka Connect's {@code JsonConverter}, and replayed into a fresh
 * table, which must then hold exactly the source's rows at that snapshot.
 */
@Tag("unit")
class RowStreamDifferentialTest {
  private static final OffsetDateTime DAY1 =
      OffsetDateTime.of(2026, 11, 1, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final int DAYS = 3;
  private static final int COMMITS = 24;

  private static CatalogFixture fixture;
  private static TableWriter writer;

  @BeforeAll
  static void catalog() {
    fixture = CatalogFixture.start(CatalogKind.SQLITE, FloeStack.workDir("rows-differential"));
    writer = new TableWriter(fixture.catalog());
  }

  @AfterAll
  static void close() {
    fixture.close();
  }

  enum Step {
    APPEND,
    UPDATE,
    OVERWRITE,
    DELETE_FILES,
    DELETE_POSITIONS,
    DELETE_EQUALITY,
    COMPACT
  }

  /**
   * Format v2 with identifier fields and v3 without in the gate, which covers both formats and both
   * ways of keying rows; all four combinations in the soak.
   */
  static Stream<Arguments> sequences() {
    List<Arguments> gate = List.of(Arguments.of(2, true, 12L), Arguments.of(3, false, 13L));
    List<Arguments> soak =
        List.of(
            Arguments.of(2, false, 11L),
            Arguments.of(2, true, 12L),
            Arguments.of(3, false, 13L),
            Arguments.of(3, true, 14L));
    return TestTier.pick(gate, soak).stream();
  }

  @ParameterizedTest(name = "format v{0}, identifier fields {1}, seed {2}")
  @MethodSource("sequences")
  void replayingTheStreamReproducesTheSourceAtEverySnapshot(int version, boolean keyed, long seed) {
    String name = "rows_" + UUID.randomUUID().toString().substring(0, 8);
    Schema schema = keyed ? new Schema(Orders.SCHEMA.columns(), Set.of(1)) : Orders.SCHEMA;
    Table source = writer.createOrLoad(TableIdentifier.of("rows", name), schema, Orders.BY_DAY);
    source
        .updateProperties()
        .set(TableProperties.FORMAT_VERSION, Integer.toString(version))
        .commit();
    Table fresh =
        writer.createOrLoad(TableIdentifier.of("rows", name + "_replayed"), schema, Orders.BY_DAY);
    TableRef ref = new TableRef(fixture.name(), List.of("rows"), name);
    RowStream stream = new RowStream(Clock.systemUTC());
    RowStreamReplay replay = new RowStreamReplay(source.schema());
    Random random = new Random(seed);
    long[] nextId = {1};

    // Every kind of step early, then random ones.
    List<Step> steps = new ArrayList<>(List.of(Step.values()));
    Collections.shuffle(steps, random);
    steps.add(0, Step.APPEND);
    while (steps.size() < COMMITS) {
      steps.add(Step.values()[random.nextInt(Step.values().length)]);
    }
    Map<Step, Integer> committed = new HashMap<>();
    for (Step step : steps) {
      Snapshot before = source.currentSnapshot();
      Expected expected = commit(source, step, version, keyed, random, nextId);
      source.refresh();
      Snapshot snapshot = source.currentSnapshot();
      if (before != null && snapshot.snapshotId() == before.snapshotId()) {
        continue; // the step had nothing to do
      }
      committed.merge(step, 1, Integer::sum);

      List<RowChange> changes = RowChanges.of(source, snapshot.snapshotId());
      List<RowEvent> events = stream.events(capture(ref), ref, source, snapshot, changes);
      List<RowStreamReplay.Change> decoded = new ArrayList<>();
      for (RowEvent event : events) {
        RowStreamReplay.Change change =
            replay.apply(event.destination(), event.key(), event.value());
        if (change != null) {
          decoded.add(change);
          checkEvent(change, event, source, snapshot, keyed, ref);
        }
      }
      assertThat(replay.inTransaction()).isFalse();
      assertThat(events.get(0).destination()).isEqualTo(Topics.rowTransactions(ref));
      if (step == Step.COMPACT) {
        assertThat(decoded).as("a compaction changes no row").isEmpty();
      }
      if (expected != null) {
        // Carry-over rows of a copy-on-write rewrite are not events: only what changed is.
        assertThat(decoded).as(step + " events").hasSize(expected.events(keyed));
      }

      writer.overwrite(fresh, Expressions.alwaysTrue(), replay.rows());
      assertThat(SourceRows.multiset(SourceRows.at(fresh, fresh.currentSnapshot().snapshotId())))
          .as("the replayed table after %s (snapshot %d)", step, snapshot.snapshotId())
          .isEqualTo(SourceRows.multiset(SourceRows.at(source, snapshot.snapshotId())));
    }
    assertThat(committed.keySet())
        .as("every kind of commit was replayed")
        .containsAll(Set.of(Step.values()));
    if (keyed) {
      assertThat(replay.ops()).containsKeys("c", "u", "d");
      assertThat(replay.tombstones())
          .as("a tombstone after every delete of a keyed row")
          .isEqualTo(replay.ops().get("d"));
    } else {
      assertThat(replay.ops()).containsKeys("c", "d").doesNotContainKey("u");
    }
  }

  private static CaptureDefined capture(TableRef ref) {
    return new CaptureDefined(
        "cap",
        ref,
        "main",
        List.of(),
        List.of(ChangeKind.values()),
        new TableRef(ref.catalog(), List.of("floe_icdc"), ref.name()),
        Duration.ZERO,
        Duration.ofDays(7),
        Duration.ofDays(3),
        false,
        true,
        false,
        null,
        null,
        "test",
        Instant.now());
  }

  private static void checkEvent(
      RowStreamReplay.Change change,
      RowEvent event,
      Table source,
      Snapshot snapshot,
      boolean keyed,
      TableRef ref) {
    assertThat(event.destination()).isEqualTo(Topics.rows(ref));
    Struct block = change.source();
    assertThat(block.getString("connector")).isEqualTo(RowStream.CONNECTOR);
    assertThat(block.getString("db")).isEqualTo(ref.catalog());
    assertThat(block.getString("table")).isEqualTo(ref.name());
    assertThat(block.getInt64("snapshot_id")).isEqualTo(snapshot.snapshotId());
    assertThat(block.getInt64("sequence_number")).isEqualTo(snapshot.sequenceNumber());
    assertThat(block.getString("operation")).isEqualTo(snapshot.operation());
    assertThat(change.transaction().getString("id"))
        .isEqualTo(RowStream.transactionId(source, snapshot.snapshotId()));
    if (keyed) {
      Record row = change.after() != null ? change.after() : change.before();
      assertThat(change.key().getInt64("order_id")).isEqualTo(row.getField("order_id"));
      if (change.op().equals("u")) {
        assertThat(change.before().getField("order_id"))
            .isEqualTo(change.after().getField("order_id"));
      }
    } else {
      assertThat(event.key()).isNull();
    }
  }

  /** What a step should publish, when the step knows: changed, deleted and inserted rows. */
  private record Expected(int changed, int deleted, int inserted) {
    int events(boolean keyed) {
      return (keyed ? changed : 2 * changed) + deleted + inserted;
    }
  }

  private static Expected commit(
      Table table, Step step, int version, boolean keyed, Random random, long[] nextId) {
    int day = random.nextInt(DAYS);
    Expression dayFilter =
        Expressions.and(
            Expressions.greaterThanOrEqual("order_ts", micros(DAY1.plusDays(day))),
            Expressions.lessThan("order_ts", micros(DAY1.plusDays(day + 1))));
    IntFunction<Record> newRow =
        i ->
            Orders.order(
                table,
                nextId[0]++,
                "eu-west",
                "NEW",
                BigDecimal.valueOf(100 + random.nextInt(10_000), 2),
                DAY1.plusDays(random.nextInt(DAYS)).plusSeconds(random.nextInt(86_400)));
    switch (step) {
      case APPEND -> {
        List<Record> rows = new ArrayList<>();
        int n = 1 + random.nextInt(20);
        for (int i = 0; i < n; i++) {
          rows.add(newRow.apply(i));
        }
        if (!keyed && random.nextBoolean()) {
          rows.add(rows.get(0).copy()); // an identical row twice: the stream is a multiset
          n++;
        }
        writer.append(table, rows);
        return new Expected(0, 0, n);
      }
      case UPDATE, OVERWRITE -> {
        // Copy-on-write: the day's files are rewritten; most rows are carried over unchanged.
        List<Record> live = SourceRows.where(table, dayFilter);
        List<Record> rows = new ArrayList<>();
        int changed = 0;
        int deleted = 0;
        for (Record row : live) {
          int roll = random.nextInt(10);
          if (step == Step.UPDATE && roll < 3) {
            Record updated = row.copy();
            updated.setField("status", "SHIPPED-" + random.nextInt(1000));
            updated.setField("amount", ((BigDecimal) row.getField("amount")).add(BigDecimal.ONE));
            rows.add(updated);
            changed++;
          } else if (roll == 3) {
            deleted++;
          } else {
            rows.add(row);
          }
        }
        int inserted = step == Step.OVERWRITE ? 1 + random.nextInt(3) : 0;
        for (int i = 0; i < inserted; i++) {
          Record row = newRow.apply(i);
          row.setField("order_ts", DAY1.plusDays(day).plusSeconds(random.nextInt(86_400)));
          rows.add(row);
        }
        writer.overwrite(table, dayFilter, rows);
        return new Expected(changed, deleted, inserted);
      }
      case DELETE_FILES -> {
        writer.deleteFiles(table, dayFilter);
        return null;
      }
      case DELETE_POSITIONS -> {
        Expression some = someIds(table, random);
        if (version >= 3) {
          writer.deleteRowsByVector(table, some);
        } else {
          writer.deleteRowsByPosition(table, some);
        }
        return null;
      }
      case DELETE_EQUALITY -> {
        List<Long> ids = new ArrayList<>();
        for (Record row : SourceRows.where(table, Expressions.alwaysTrue())) {
          if (random.nextInt(5) == 0) {
            ids.add((Long) row.getField("order_id"));
          }
        }
        if (!ids.isEmpty()) {
          writer.deleteRowsByEquality(table, "order_id", ids);
        }
        return null;
      }
      case COMPACT -> {
        writer.compact(table);
        return new Expected(0, 0, 0);
      }
      default -> throw new IllegalStateException();
    }
  }

  private static Expression someIds(Table table, Random random) {
    List<Long> ids = new ArrayList<>();
    for (Record row : SourceRows.where(table, Expressions.alwaysTrue())) {
      if (random.nextInt(4) == 0) {
        ids.add((Long) row.getField("order_id"));
      }
    }
    return ids.isEmpty() ? Expressions.alwaysFalse() : Expressions.in("order_id", ids.toArray());
  }

  private static long micros(OffsetDateTime at) {
    return at.toEpochSecond() * 1_000_000L;
  }
}
