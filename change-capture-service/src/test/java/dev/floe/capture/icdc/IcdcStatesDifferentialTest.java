package dev.floe.capture.icdc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.capture.capture.CaptureProcessor;
import dev.floe.capture.flow.SnapshotFeed;
import dev.floe.capture.rows.RowChange;
import dev.floe.capture.rows.RowChanges;
import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.IcdcStates;
import dev.floe.icdc.IcdcTables;
import dev.floe.icdc.RangeStates;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;

/**
 * The ICDC states against the table they describe, over random commit sequences of every kind on
 * real Parquet: appends, copy-on-write updates and overwrites, file deletes, merge-on-read deletes
 * and updates (position deletes on format v2, deletion vectors on v3), equality deletes alone and
 * written with new data as a Flink upsert writes them, compactions, a column added and a partition
 * spec changed. Rows are read by Iceberg's own generic reader, from the source and from the states,
 * and for every change and for random ranges of several changes:
 *
 * <ul>
 *   <li>{@code rows(Sn) = rows(S0) − removed + added} as multisets, with {@code removed ⊆
 *       rows(S0)};
 *   <li>for a single change, net inserts ({@code added EXCEPT ALL removed}) and net deletes ({@code
 *       removed EXCEPT ALL added}) equal the row stream's, an independent path that plans the whole
 *       table.
 * </ul>
 *
 * Rows are compared by field id in the later end's schema, as a reader of both states with that
 * schema sees them.
 */
abstract class IcdcStatesDifferentialTest {
  private static final OffsetDateTime DAY1 =
      OffsetDateTime.of(2026, 11, 1, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final int DAYS = 3;
  private static final int COMMITS = 20;
  private static final int RUNS = 6;

  enum Step {
    APPEND,
    UPDATE_COPY_ON_WRITE,
    OVERWRITE,
    DELETE_FILES,
    DELETE_POSITIONS,
    DELETE_EQUALITY,
    UPDATE_MERGE_ON_READ,
    UPSERT,
    COMPACT,
    ADD_COLUMN,
    CHANGE_SPEC
  }

  /**
   * What a sequence checked, every check having held: the changes, those of them that were
   * merge-on-read (data files in both states), and the multi-change ranges.
   */
  record Checked(int changes, int mergeOnRead, int runs) {}

  Checked statesHoldTheInvariantForEveryChangeAndRun(CatalogKind kind, int version, long seed) {
    try (CatalogFixture fixture =
        CatalogFixture.start(kind, FloeStack.workDir("icdc-differential-" + kind))) {
      return run(fixture, version, seed);
    }
  }

  private Checked run(CatalogFixture fixture, int version, long seed) {
    TableWriter writer = new TableWriter(fixture.catalog());
    String name = "d_" + UUID.randomUUID().toString().substring(0, 8);
    Table source =
        writer.createOrLoad(TableIdentifier.of("diff", name), Orders.SCHEMA, Orders.BY_DAY);
    source
        .updateProperties()
        .set(TableProperties.FORMAT_VERSION, Integer.toString(version))
        .commit();
    CaptureDefined capture = capture(fixture, name);
    CaptureProcessor processor = new CaptureProcessor(fixture::catalog, Clock.systemUTC());
    Random random = new Random(seed);
    long[] nextId = {1};

    List<Step> steps = new ArrayList<>(List.of(Step.values()));
    Collections.shuffle(steps, random);
    steps.add(0, Step.APPEND);
    steps.add(1, Step.APPEND);
    while (steps.size() < COMMITS) {
      Step step = Step.values()[random.nextInt(Step.values().length)];
      if (step != Step.ADD_COLUMN && step != Step.CHANGE_SPEC) {
        steps.add(step);
      }
    }
    Map<Step, Integer> checked = new EnumMap<>(Step.class);
    List<Snapshot> history = new ArrayList<>();
    int mergeOnRead = 0;
    for (Step step : steps) {
      source.refresh(); // capture pins snapshots: the source's metadata moved
      Snapshot before = source.currentSnapshot();
      commit(writer, source, step, random, nextId);
      source.refresh();
      Snapshot snapshot = source.currentSnapshot();
      if (snapshot == null || (before != null && snapshot.snapshotId() == before.snapshotId())) {
        continue; // nothing to do, or a metadata-only step
      }
      history.add(snapshot);
      ChangeCaptured change =
          processor
              .process(capture, SnapshotFeed.committed(capture.table(), source, snapshot))
              .event();
      Table icdc = fixture.catalog().loadTable(IcdcTables.identifier(capture));
      String what = step + " (snapshot " + snapshot.snapshotId() + ")";
      Schema schema = schemaOf(source, snapshot);
      List<Map<Integer, Object>> removed = rows(icdc, change.removedIcdc(), schema);
      List<Map<Integer, Object>> added = rows(icdc, change.icdc(), schema);
      checkInvariant(source, snapshot.parentId(), snapshot, removed, added, what);
      if (step != Step.COMPACT) {
        checkAgainstRowStream(source, snapshot, removed, added, schema, what);
      } else {
        assertThat(change.kind()).isEqualTo(ChangeKind.REPLACE);
      }
      if (!removed.isEmpty() && !added.isEmpty() && change.stats().removedDataFiles() == 0) {
        mergeOnRead++; // data files in both states: their deletes changed
      }
      checked.merge(step, 1, Integer::sum);
    }
    assertThat(checked.keySet())
        .as("every kind of commit was checked")
        .containsAll(
            Arrays.stream(Step.values())
                .filter(s -> s != Step.ADD_COLUMN && s != Step.CHANGE_SPEC)
                .toList());
    assertThat(mergeOnRead).as("merge-on-read changes with both states").isGreaterThan(2);

    // Runs: random ranges of several changes, committed as a run's states are.
    Table icdc = fixture.catalog().loadTable(IcdcTables.identifier(capture));
    for (int r = 0; r < RUNS; r++) {
      int from = random.nextInt(history.size() - 2);
      int to = from + 2 + random.nextInt(Math.min(8, history.size() - from - 2));
      if (to >= history.size()) {
        to = history.size() - 1;
      }
      Snapshot s0 = history.get(from);
      Snapshot sn = history.get(to);
      RangeStates.States states = RangeStates.between(source, s0.snapshotId(), sn.snapshotId());
      String runTag = "run-test-" + r;
      Transaction txn = icdc.newTransaction();
      long base = IcdcStates.base(icdc);
      Map<String, String> summary = Map.of("floe.run-id", runTag);
      boolean hasRemoved =
          IcdcStates.commitEnd(
              txn, base, runTag + "-removed", states.removed(), summary, Duration.ofDays(1));
      boolean hasAdded =
          IcdcStates.commitEnd(txn, base, runTag, states.added(), summary, Duration.ofDays(1));
      txn.commitTransaction();
      icdc.refresh();
      Schema schema = schemaOf(source, sn);
      List<Map<Integer, Object>> removed =
          hasRemoved
              ? rowsAt(icdc, icdc.refs().get(runTag + "-removed").snapshotId(), schema)
              : List.of();
      List<Map<Integer, Object>> added =
          hasAdded ? rowsAt(icdc, icdc.refs().get(runTag).snapshotId(), schema) : List.of();
      checkInvariant(
          source, s0.snapshotId(), sn, removed, added, "run over (" + from + ", " + to + "]");
    }
    return new Checked(history.size(), mergeOnRead, RUNS);
  }

  private static CaptureDefined capture(CatalogFixture fixture, String name) {
    return new CaptureDefined(
        "cap_" + name,
        new TableRef(fixture.name(), List.of("diff"), name),
        "main",
        List.of("order_ts"),
        Arrays.asList(ChangeKind.values()),
        new TableRef(fixture.name(), List.of("floe_icdc"), "diff__" + name),
        Duration.ZERO,
        Duration.ofDays(7),
        Duration.ofDays(3),
        false,
        false,
        false,
        "test",
        Instant.now());
  }

  private static void checkInvariant(
      Table source,
      Long parent,
      Snapshot snapshot,
      List<Map<Integer, Object>> removed,
      List<Map<Integer, Object>> added,
      String what) {
    Schema schema = schemaOf(source, snapshot);
    Map<Map<Integer, Object>, Integer> expected =
        multiset(parent == null ? List.of() : rowsAt(source, parent, schema));
    Map<Map<Integer, Object>, Integer> atParent = new HashMap<>(expected);
    for (Map<Integer, Object> row : removed) {
      Integer n = expected.get(row);
      assertThat(n)
          .as("%s: a removed row that the parent does not hold: %s", what, row)
          .isNotNull();
      assertThat(atParent.get(row)).isNotNull();
      if (n == 1) {
        expected.remove(row);
      } else {
        expected.put(row, n - 1);
      }
    }
    added.forEach(row -> expected.merge(row, 1, Integer::sum));
    assertThat(expected)
        .as("%s: rows(S0) - removed + added", what)
        .isEqualTo(multiset(rowsAt(source, snapshot.snapshotId(), schema)));
  }

  /** Net inserts and deletes of the states against the row stream's events. */
  private static void checkAgainstRowStream(
      Table source,
      Snapshot snapshot,
      List<Map<Integer, Object>> removed,
      List<Map<Integer, Object>> added,
      Schema schema,
      String what) {
    Map<Map<Integer, Object>, Integer> netInserts = multiset(added);
    Map<Map<Integer, Object>, Integer> netDeletes = multiset(removed);
    for (Map<Integer, Object> row : new ArrayList<>(netDeletes.keySet())) {
      int both = Math.min(netDeletes.get(row), netInserts.getOrDefault(row, 0));
      subtract(netDeletes, row, both);
      subtract(netInserts, row, both);
    }
    List<Map<Integer, Object>> inserted = new ArrayList<>();
    List<Map<Integer, Object>> deleted = new ArrayList<>();
    for (RowChange change : RowChanges.of(source, snapshot.snapshotId())) {
      if (change.after() != null) {
        inserted.add(byId(change.after(), schema));
      }
      if (change.before() != null) {
        deleted.add(byId(change.before(), schema));
      }
    }
    assertThat(netInserts)
        .as("%s: net inserts against the row stream", what)
        .isEqualTo(multiset(inserted));
    assertThat(netDeletes)
        .as("%s: net deletes against the row stream", what)
        .isEqualTo(multiset(deleted));
  }

  private static void subtract(
      Map<Map<Integer, Object>, Integer> counts, Map<Integer, Object> row, int n) {
    if (n == 0) {
      return;
    }
    int left = counts.get(row) - n;
    if (left == 0) {
      counts.remove(row);
    } else {
      counts.put(row, left);
    }
  }

  private static List<Map<Integer, Object>> rows(Table icdc, IcdcRef state, Schema schema) {
    return state == null ? List.of() : rowsAt(icdc, state.snapshotId(), schema);
  }

  private static List<Map<Integer, Object>> rowsAt(Table table, long snapshotId, Schema schema) {
    List<Map<Integer, Object>> rows = new ArrayList<>();
    try (CloseableIterable<Record> records =
        IcebergGenerics.read(table).useSnapshot(snapshotId).build()) {
      records.forEach(r -> rows.add(byId(r, schema)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  /** The row's values by field id, for the fields of {@code schema}; absent ones are null. */
  private static Map<Integer, Object> byId(Record row, Schema schema) {
    Map<Integer, Object> values = new TreeMap<>();
    Map<Integer, Object> present = new HashMap<>();
    List<Types.NestedField> fields = row.struct().fields();
    for (int i = 0; i < fields.size(); i++) {
      present.put(fields.get(i).fieldId(), row.get(i));
    }
    schema.columns().forEach(f -> values.put(f.fieldId(), present.get(f.fieldId())));
    return values;
  }

  private static Map<Map<Integer, Object>, Integer> multiset(List<Map<Integer, Object>> rows) {
    Map<Map<Integer, Object>, Integer> counts = new HashMap<>();
    rows.forEach(r -> counts.merge(r, 1, Integer::sum));
    return counts;
  }

  private static Schema schemaOf(Table table, Snapshot snapshot) {
    Integer id = snapshot.schemaId();
    Schema schema = id == null ? null : table.schemas().get(id);
    return schema == null ? table.schema() : schema;
  }

  private static void commit(
      TableWriter writer, Table table, Step step, Random random, long[] nextId) {
    int day = random.nextInt(DAYS);
    Expression dayFilter =
        Expressions.and(
            Expressions.greaterThanOrEqual("order_ts", micros(DAY1.plusDays(day))),
            Expressions.lessThan("order_ts", micros(DAY1.plusDays(day + 1))));
    switch (step) {
      case APPEND -> {
        List<Record> rows = new ArrayList<>();
        int n = 1 + random.nextInt(20);
        for (int i = 0; i < n; i++) {
          rows.add(newRow(table, random, nextId));
        }
        rows.add(rows.get(0).copy()); // an identical row twice: states are multisets
        writer.append(table, rows);
      }
      case UPDATE_COPY_ON_WRITE, OVERWRITE -> {
        List<Record> rows = new ArrayList<>();
        for (Record row : live(table, dayFilter)) {
          int roll = random.nextInt(10);
          if (step == Step.UPDATE_COPY_ON_WRITE && roll < 3) {
            rows.add(updated(row, random));
          } else if (roll != 3) {
            rows.add(row);
          }
        }
        if (step == Step.OVERWRITE) {
          Record row = newRow(table, random, nextId);
          row.setField("order_ts", DAY1.plusDays(day).plusSeconds(random.nextInt(86_400)));
          rows.add(row);
        }
        writer.overwrite(table, dayFilter, rows);
      }
      case DELETE_FILES -> writer.deleteFiles(table, dayFilter);
      case DELETE_POSITIONS -> {
        Expression some = someIds(table, random);
        if (formatVersion(table) >= 3) {
          writer.deleteRowsByVector(table, some);
        } else {
          writer.deleteRowsByPosition(table, some);
        }
      }
      case DELETE_EQUALITY -> {
        List<Long> ids = new ArrayList<>();
        for (Record row : live(table, Expressions.alwaysTrue())) {
          if (random.nextInt(5) == 0) {
            ids.add((Long) row.getField("order_id"));
          }
        }
        writer.deleteRowsByEquality(table, "order_id", ids);
      }
      case UPDATE_MERGE_ON_READ ->
          writer.updateRows(table, someIds(table, random), r -> updated(r, random));
      case UPSERT -> {
        List<Record> rows = new ArrayList<>();
        for (Record row : live(table, Expressions.alwaysTrue())) {
          if (random.nextInt(4) == 0) {
            rows.add(updated(row, random));
          }
        }
        rows.add(newRow(table, random, nextId));
        writer.upsert(table, "order_id", rows);
      }
      case COMPACT -> writer.compact(table);
      case ADD_COLUMN ->
          writer.evolveSchema(table, update -> update.addColumn("channel", Types.StringType.get()));
      case CHANGE_SPEC -> writer.evolveSpec(table, update -> update.addField("region"));
      default -> throw new IllegalStateException();
    }
  }

  private static Record newRow(Table table, Random random, long[] nextId) {
    Record row =
        Orders.order(
            table,
            nextId[0]++,
            random.nextBoolean() ? "eu-west" : "us-east",
            "NEW",
            BigDecimal.valueOf(100 + random.nextInt(10_000), 2),
            DAY1.plusDays(random.nextInt(DAYS)).plusSeconds(random.nextInt(86_400)));
    if (table.schema().findField("channel") != null) {
      row.setField("channel", "c" + random.nextInt(3));
    }
    return row;
  }

  private static Record updated(Record row, Random random) {
    Record copy = row.copy();
    copy.setField("status", "SHIPPED-" + random.nextInt(1000));
    copy.setField("amount", ((BigDecimal) row.getField("amount")).add(BigDecimal.ONE));
    return copy;
  }

  private static List<Record> live(Table table, Expression filter) {
    if (table.currentSnapshot() == null) {
      return List.of();
    }
    List<Record> rows = new ArrayList<>();
    try (CloseableIterable<Record> records = IcebergGenerics.read(table).where(filter).build()) {
      records.forEach(r -> rows.add(r.copy()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  private static Expression someIds(Table table, Random random) {
    List<Long> ids = new ArrayList<>();
    for (Record row : live(table, Expressions.alwaysTrue())) {
      if (random.nextInt(4) == 0) {
        ids.add((Long) row.getField("order_id"));
      }
    }
    return ids.isEmpty() ? Expressions.alwaysFalse() : Expressions.in("order_id", ids.toArray());
  }

  private static int formatVersion(Table table) {
    return ((org.apache.iceberg.HasTableOperations) table).operations().current().formatVersion();
  }

  private static long micros(OffsetDateTime at) {
    return at.toEpochSecond() * 1_000_000L;
  }
}
