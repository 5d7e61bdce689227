package dev.floe.trigger.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.RunInput;
import dev.floe.contracts.model.SnapshotRange;
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.IcdcStates;
import dev.floe.icdc.IcdcTables;
import dev.floe.icdc.RangeStates;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.test.RowsById;
import dev.floe.stack.test.TestTier;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.RandomCommits;
import dev.floe.stack.writer.TableWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The runs the trigger-service forms, against the table they describe: random sequences of every
 * kind of commit on real Parquet ({@link RandomCommits}: appends, copy-on-write updates and
 * overwrites, file deletes, position deletes or deletion vectors, equality deletes, merge-on-read
 * updates, upserts, compactions, a column added and a partition field added), each captured as the
 * capture service does (its two states in the capture's ICDC table), then random runs of several
 * consecutive changes formed by {@link IcdcUnions}, as the trigger forms them: with every change,
 * or without the compactions, as a trigger's default kinds leave them out. For every run that gets
 * states, {@code rows(Sn) = rows(S0) − removed + added} as multisets, with {@code removed ⊆
 * rows(S0)}, rows read by Iceberg's generic reader and compared by field id in Sn's schema; a run
 * over appends around compactions holds exactly the appended rows. Zero mismatches.
 */
@Tag("unit")
class RunStatesDifferentialTest {
  private static final int COMMITS = 24;

  /** Random runs per sequence (the soak's 12 take about 20 s more); plus one per compaction. */
  private static final int RUNS = TestTier.pick(6, 12);

  /**
   * Runs of at least two changes checked, at least: a random window of one change is skipped, so
   * the gate's 6 windows and the compactions' make 7 to 10 on this sequence.
   */
  private static final int CHECKED = TestTier.pick(5, 8);

  private static CatalogFixture fixture;

  @BeforeAll
  static void start() {
    fixture = CatalogFixture.start(CatalogKind.SQLITE, FloeStack.workDir("run-differential"));
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @ParameterizedTest(name = "format {0}, seed {1}")
  @CsvSource({"2, 11", "3, 12"})
  void everyRunTheTriggerFormsHoldsTheRuleOfTheTwoStates(int version, long seed) {
    TableWriter writer = new TableWriter(fixture.catalog());
    String name = "rd_" + UUID.randomUUID().toString().substring(0, 6);
    Table source =
        writer.createOrLoad(TableIdentifier.of("src", name), Orders.SCHEMA, Orders.BY_DAY);
    source
        .updateProperties()
        .set(TableProperties.FORMAT_VERSION, Integer.toString(version))
        .commit();
    TableRef sourceRef = new TableRef(fixture.name(), List.of("src"), name);
    TableRef icdcRef = new TableRef(fixture.name(), List.of("floe_icdc"), "rd__" + name);
    Random random = new Random(seed);
    RandomCommits commits = new RandomCommits(writer, random);

    List<PendingChange> changes = new ArrayList<>();
    List<Boolean> compactions = new ArrayList<>();
    List<Boolean> appends = new ArrayList<>();
    for (RandomCommits.Kind kind : commits.plan(COMMITS)) {
      source.refresh();
      Snapshot before = source.currentSnapshot();
      commits.commit(source, kind);
      source.refresh();
      Snapshot s = source.currentSnapshot();
      if (s == null || (before != null && s.snapshotId() == before.snapshotId())) {
        continue; // nothing to do, or a schema or spec change
      }
      changes.add(capture(source, sourceRef, icdcRef, s));
      compactions.add(DataOperations.REPLACE.equals(s.operation()));
      appends.add(DataOperations.APPEND.equals(s.operation()));
    }

    IcdcUnions unions = new IcdcUnions(fixture::catalog);
    int withStates = 0;
    int multiRange = 0;
    // Random windows of consecutive changes, every second one without its compactions; then,
    // around each compaction inside the sequence, the changes either side of it without it: a
    // run of several ranges whatever the random windows were.
    List<int[]> windows = new ArrayList<>();
    for (int r = 0; r < RUNS; r++) {
      int from = random.nextInt(changes.size() - 2);
      windows.add(
          new int[] {from, Math.min(changes.size() - 1, from + 1 + random.nextInt(8)), r % 2});
    }
    for (int c = 1; c < changes.size() - 1; c++) {
      if (compactions.get(c)) {
        windows.add(new int[] {c - 1, c + 1, 1});
      }
    }
    for (int r = 0; r < windows.size(); r++) {
      int from = windows.get(r)[0];
      int to = windows.get(r)[1];
      boolean skipCompactions = windows.get(r)[2] == 1;
      List<PendingChange> run = new ArrayList<>();
      boolean onlyAppends = true;
      for (int i = from; i <= to; i++) {
        if (!(skipCompactions && compactions.get(i))) {
          run.add(changes.get(i));
          onlyAppends &= appends.get(i);
        }
      }
      if (run.size() < 2) {
        continue; // one change's states are its own, checked by the capture's tests
      }
      String runId = "rd-" + seed + "-" + r;
      // Every third run's changes come out of order, as a failed run's fold in front of later
      // ones: the unions put them back in the source's order.
      List<PendingChange> given = new ArrayList<>(run);
      if (r % 3 == 2) {
        java.util.Collections.reverse(given);
      }
      RunInput input =
          unions.complete(UnionRequests.of(runId, sourceRef, given), given).inputs().get(0);
      // Only compactions are ever left out between a run's changes: it always gets states.
      assertThat(input.statesOmitted()).as(runId).isNull();
      withStates++;
      boolean severalRanges = false;
      for (int i = 1; i < run.size(); i++) {
        severalRanges |=
            !java.util.Objects.equals(
                run.get(i).range().fromSnapshotIdExclusive(),
                run.get(i - 1).range().toSnapshotId());
      }
      if (severalRanges) {
        multiRange++;
      }
      Snapshot sn = source.snapshot(run.get(run.size() - 1).range().toSnapshotId());
      Schema schema = RowsById.schemaOf(source, sn);
      List<Map<Integer, Object>> removed = rows(input.removedIcdc(), schema);
      List<Map<Integer, Object>> added = rows(input.icdc(), schema);
      if (onlyAppends) {
        // Appends add up to exactly their added rows, whatever lies between them.
        assertThat(removed).as("%s: appends remove nothing", runId).isEmpty();
      }
      // Appends around left-out compactions hold exactly the appended rows, nothing the
      // compactions moved; other runs hold the whole range's states. Either way the rule holds
      // from the first change's start, compactions changing no row.
      assertThat(
              RowsById.ruleBroken(
                  source, run.get(0).range().fromSnapshotIdExclusive(), sn, removed, added))
          .as(
              "%s over changes %d..%d%s",
              runId, from, to, skipCompactions ? ", no compactions" : "")
          .isNull();
    }
    assertThat(withStates)
        .as("runs formed with states and checked")
        .isGreaterThanOrEqualTo(CHECKED);
    assertThat(multiRange).as("runs of several ranges, compactions left out between").isPositive();
    System.out.printf(
        "run differential, format %d: %d changes, %d runs checked (%d of several ranges)%n",
        version, changes.size(), withStates, multiRange);
  }

  /** The change's two states in the capture's ICDC table, as the capture service commits them. */
  private static PendingChange capture(
      Table source, TableRef sourceRef, TableRef icdcRef, Snapshot s) {
    Table icdc =
        IcdcTables.createOrLoad(
            fixture.catalog(),
            dev.floe.icdc.TableRefs.identifier(icdcRef),
            IcdcTables.Owner.capture("cap"),
            sourceRef,
            source,
            s);
    RangeStates.States states = RangeStates.between(source, s.parentId(), s.snapshotId());
    String added = IcdcStates.changeTag(s.snapshotId());
    String removed = IcdcStates.removedTag(s.snapshotId());
    Transaction txn = icdc.newTransaction();
    long base = IcdcStates.base(icdc);
    boolean any =
        IcdcStates.commitEnd(txn, base, added, states.added(), Map.of(), Duration.ofDays(1));
    any |= IcdcStates.commitEnd(txn, base, removed, states.removed(), Map.of(), Duration.ofDays(1));
    if (any) {
      txn.commitTransaction();
    }
    icdc.refresh();
    return new PendingChange(
        "c" + s.snapshotId(),
        "capture:cap",
        "cap",
        sourceRef,
        IcdcStates.find(icdc, icdcRef, added).orElse(null),
        new SnapshotRange(s.parentId(), s.snapshotId(), List.of(s.snapshotId())),
        1,
        List.of(),
        false,
        Instant.now(),
        IcdcStates.find(icdc, icdcRef, removed).orElse(null),
        null);
  }

  /** The rows of a state, none when it is absent (empty). */
  private static List<Map<Integer, Object>> rows(IcdcRef state, Schema schema) {
    if (state == null) {
      return List.of();
    }
    Table icdc = fixture.catalog().loadTable(dev.floe.icdc.TableRefs.identifier(state.table()));
    return RowsById.at(icdc, state.snapshotId(), schema);
  }
}
