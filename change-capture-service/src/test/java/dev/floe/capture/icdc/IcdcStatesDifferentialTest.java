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
import dev.floe.stack.test.RowsById;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.RandomCommits;
import dev.floe.stack.writer.RandomCommits.Kind;
import dev.floe.stack.writer.TableWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.catalog.TableIdentifier;

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
  private static final int COMMITS = 20;
  private static final int RUNS = 6;

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

    RandomCommits commits = new RandomCommits(writer, random);
    List<Kind> steps = commits.plan(COMMITS);
    Map<Kind, Integer> checked = new EnumMap<>(Kind.class);
    List<Snapshot> history = new ArrayList<>();
    int mergeOnRead = 0;
    for (Kind step : steps) {
      source.refresh(); // capture pins snapshots: the source's metadata moved
      Snapshot before = source.currentSnapshot();
      commits.commit(source, step);
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
      Schema schema = RowsById.schemaOf(source, snapshot);
      List<Map<Integer, Object>> removed = rows(icdc, change.removedIcdc(), schema);
      List<Map<Integer, Object>> added = rows(icdc, change.icdc(), schema);
      checkInvariant(source, snapshot.parentId(), snapshot, removed, added, what);
      if (step != Kind.COMPACT) {
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
            Arrays.stream(Kind.values())
                .filter(s -> s != Kind.ADD_COLUMN && s != Kind.CHANGE_SPEC)
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
      Schema schema = RowsById.schemaOf(source, sn);
      List<Map<Integer, Object>> removed =
          hasRemoved
              ? RowsById.at(icdc, icdc.refs().get(runTag + "-removed").snapshotId(), schema)
              : List.of();
      List<Map<Integer, Object>> added =
          hasAdded ? RowsById.at(icdc, icdc.refs().get(runTag).snapshotId(), schema) : List.of();
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
        null,
        null,
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
    assertThat(RowsById.ruleBroken(source, parent, snapshot, removed, added)).as(what).isNull();
  }

  /** Net inserts and deletes of the states against the row stream's events. */
  private static void checkAgainstRowStream(
      Table source,
      Snapshot snapshot,
      List<Map<Integer, Object>> removed,
      List<Map<Integer, Object>> added,
      Schema schema,
      String what) {
    Map<Map<Integer, Object>, Integer> netInserts = RowsById.multiset(added);
    Map<Map<Integer, Object>, Integer> netDeletes = RowsById.multiset(removed);
    for (Map<Integer, Object> row : new ArrayList<>(netDeletes.keySet())) {
      int both = Math.min(netDeletes.get(row), netInserts.getOrDefault(row, 0));
      subtract(netDeletes, row, both);
      subtract(netInserts, row, both);
    }
    List<Map<Integer, Object>> inserted = new ArrayList<>();
    List<Map<Integer, Object>> deleted = new ArrayList<>();
    for (RowChange change : RowChanges.of(source, snapshot.snapshotId())) {
      if (change.after() != null) {
        inserted.add(RowsById.of(change.after(), schema));
      }
      if (change.before() != null) {
        deleted.add(RowsById.of(change.before(), schema));
      }
    }
    assertThat(netInserts)
        .as("%s: net inserts against the row stream", what)
        .isEqualTo(RowsById.multiset(inserted));
    assertThat(netDeletes)
        .as("%s: net deletes against the row stream", what)
        .isEqualTo(RowsById.multiset(deleted));
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
    return state == null ? List.of() : RowsById.at(icdc, state.snapshotId(), schema);
  }
}
