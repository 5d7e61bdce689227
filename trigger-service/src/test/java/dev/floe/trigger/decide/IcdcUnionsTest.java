package dev.floe.trigger.decide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.RunInput;
import dev.floe.contracts.model.SnapshotRange;
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.IcdcStates;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Union states of a run, committed for real on a SQLite JdbcCatalog with real Parquet files. */
@Tag("unit")
class IcdcUnionsTest {
  private static final OffsetDateTime DAY =
      OffsetDateTime.of(2026, 11, 20, 0, 0, 0, 0, ZoneOffset.UTC);
  private static CatalogFixture fixture;

  @BeforeAll
  static void start() {
    fixture = CatalogFixture.start(CatalogKind.SQLITE, FloeStack.workDir("unions"));
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  private static List<Record> orders(Table table, long first, int n) {
    List<Record> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(Orders.order(table, first + i, "eu-west", "NEW", BigDecimal.TEN, DAY.plusHours(i)));
    }
    return rows;
  }

  private static List<String> rows(Table table, long snapshotId) {
    List<String> out = new ArrayList<>();
    try (CloseableIterable<Record> records =
        IcebergGenerics.read(table).useSnapshot(snapshotId).build()) {
      records.forEach(r -> out.add(String.valueOf(r.getField("order_id"))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(String::compareTo);
    return out;
  }

  @Test
  void aRunOfSeveralChangesReadsExactlyTheirUnionOnceAndAnExpiredRangeIsRefused() {
    String name = "t_" + UUID.randomUUID().toString().substring(0, 6);
    TableWriter writer = new TableWriter(fixture.catalog());
    Table source =
        writer.createOrLoad(TableIdentifier.of("src", name), Orders.SCHEMA, Orders.BY_DAY);
    Snapshot s1 = writer.append(source, orders(source, 1, 3));
    Snapshot s2 = writer.append(source, orders(source, 10, 2));
    Snapshot later = writer.append(source, orders(source, 100, 2)); // not in the run

    Table icdc = icdcTable(writer, name, source, s1, s2, later);
    TableRef icdcRef = new TableRef(fixture.name(), List.of("floe_icdc"), name);
    List<PendingChange> changes = List.of(pending(icdcRef, icdc, s1), pending(icdcRef, icdc, s2));
    RunRequested request = request("daily-x-1", name, changes);

    IcdcUnions unions = new IcdcUnions(fixture::catalog);
    RunInput input = unions.complete(request, changes).inputs().get(0);
    IcdcRef union = input.icdc();
    assertThat(union.ref()).isEqualTo("run-daily-x-1");
    assertThat(input.removedIcdc()).as("appends remove nothing").isNull();
    icdc.refresh();
    assertThat(rows(icdc, union.snapshotId())).containsExactly("1", "10", "11", "2", "3");
    long snapshots = icdc.snapshots().spliterator().getExactSizeIfKnown();
    List<String> icdcFiles = new ArrayList<>();
    icdc.snapshot(union.snapshotId())
        .addedDataFiles(icdc.io())
        .forEach(f -> icdcFiles.add(f.location()));
    assertThat(icdcFiles).allMatch(p -> p.contains("/src/" + name + "/data/"));

    // Formed again (a replay), the run finds its state: nothing is committed twice.
    RunInput again = unions.complete(request, changes).inputs().get(0);
    assertThat(again.icdc()).isEqualTo(union);
    icdc.refresh();
    assertThat(icdc.snapshots().spliterator().getExactSizeIfKnown()).isEqualTo(snapshots);

    // A range starting at a snapshot that is not in the table's history cannot be read: refused
    // for good, not retried.
    PendingChange lost =
        new PendingChange(
            "c-lost",
            "capture:cap",
            "cap",
            null,
            changes.get(0).icdc(),
            new SnapshotRange(42L, s1.snapshotId(), List.of(s1.snapshotId())),
            3,
            List.of(),
            false,
            Instant.now(),
            null,
            null);
    List<PendingChange> broken = List.of(lost, changes.get(1));
    assertThatThrownBy(() -> unions.complete(request("daily-x-2", name, broken), broken))
        .isInstanceOf(Unions.Refused.class)
        .hasMessageContaining("snapshot 42");

    // Formed again under the same run id from other changes (a decision dropped after its states
    // were committed), the run's states are replaced, not reused.
    List<PendingChange> other = List.of(changes.get(1), pending(icdcRef, icdc, later));
    RunInput replaced = unions.complete(request("daily-x-1", name, other), other).inputs().get(0);
    icdc.refresh();
    assertThat(rows(icdc, replaced.icdc().snapshotId())).containsExactly("10", "100", "101", "11");

    // Changes whose states were refused for an earlier run go without states, saying why.
    PendingChange marked =
        new PendingChange(
            "c-marked",
            "capture:cap",
            "cap",
            null,
            changes.get(0).icdc(),
            changes.get(0).range(),
            3,
            List.of(),
            false,
            Instant.now(),
            null,
            "Found concurrently added DV for file:/f.parquet");
    List<PendingChange> withMark = List.of(marked, changes.get(1));
    RunInput skipped =
        unions.complete(request("daily-x-5", name, withMark), withMark).inputs().get(0);
    assertThat(skipped.icdc()).isNull();
    assertThat(skipped.statesOmitted()).contains("Found concurrently added DV");

    // Appends that are not one range (s3 between them is no change of this run: another run holds
    // it, or the trigger left it out) still add up: their added files, and nothing of s3.
    writer.append(source, orders(source, 200, 1)); // s3
    Snapshot s4 = writer.append(source, orders(source, 300, 1));
    Table gapIcdc = icdcTable(writer, name + "_gap", source, s1, s2, s4);
    TableRef gapRef = new TableRef(fixture.name(), List.of("floe_icdc"), name + "_gap");
    List<PendingChange> appends =
        List.of(
            pending(gapRef, gapIcdc, s1),
            pending(gapRef, gapIcdc, s2),
            pending(gapRef, gapIcdc, s4));
    RunInput summed = unions.complete(request("daily-x-3", name, appends), appends).inputs().get(0);
    gapIcdc.refresh();
    assertThat(rows(gapIcdc, summed.icdc().snapshotId()))
        .containsExactly("1", "10", "11", "2", "3", "300");
    assertThat(summed.statesOmitted()).isNull();

    // A merge-on-read change after such a gap has no state that is only this run's: the input
    // goes without states and says why.
    Snapshot s5 = writer.append(source, orders(source, 400, 1));
    Snapshot s6 = writer.deleteRowsByPosition(source, Expressions.equal("order_id", 1L));
    Table moreIcdc = icdcTable(writer, name + "_mor", source, s4, s6);
    TableRef moreRef = new TableRef(fixture.name(), List.of("floe_icdc"), name + "_mor");
    List<PendingChange> gapped =
        List.of(pending(moreRef, moreIcdc, s4), pending(moreRef, moreIcdc, s6));
    RunInput withGap = unions.complete(request("daily-x-4", name, gapped), gapped).inputs().get(0);
    assertThat(withGap.icdc()).isNull();
    assertThat(withGap.removedIcdc()).isNull();
    assertThat(withGap.statesOmitted())
        .contains("not one range")
        .contains(Long.toString(s5.snapshotId()));
  }

  /**
   * Appends with a compaction between them, as a table that is compacted while it receives appends
   * has: the run's state holds exactly the appended rows. The range over the compaction would also
   * hold every row it rewrote (in both states), which a job reading appends as its change would
   * count twice.
   */
  @Test
  void appendsAroundACompactionCarryExactlyTheAppendedRows() {
    String name = "c_" + UUID.randomUUID().toString().substring(0, 6);
    TableWriter writer = new TableWriter(fixture.catalog());
    Table source =
        writer.createOrLoad(TableIdentifier.of("src", name), Orders.SCHEMA, Orders.BY_DAY);
    writer.append(source, orders(source, 1, 3));
    Snapshot s2 = writer.append(source, orders(source, 10, 2));
    Snapshot compaction = writer.compact(source);
    Snapshot s3 = writer.append(source, orders(source, 20, 2));
    assertThat(compaction.operation()).isEqualTo(DataOperations.REPLACE);
    assertThat(compaction.removedDataFiles(source.io())).as("s2's file rewritten").isNotEmpty();

    Table icdc = icdcTable(writer, name, source, s2, s3);
    TableRef icdcRef = new TableRef(fixture.name(), List.of("floe_icdc"), name);
    List<PendingChange> changes = List.of(pending(icdcRef, icdc, s2), pending(icdcRef, icdc, s3));
    RunInput input =
        new IcdcUnions(fixture::catalog)
            .complete(request("daily-c-1", name, changes), changes)
            .inputs()
            .get(0);

    assertThat(input.statesOmitted()).isNull();
    assertThat(input.removedIcdc()).as("appends remove nothing").isNull();
    icdc.refresh();
    assertThat(rows(icdc, input.icdc().snapshotId())).containsExactly("10", "11", "20", "21");
  }

  /**
   * A run whose first change's snapshot expired (its pins lapsed, then the source's expiry ran,
   * keeping every file): its place among the changes is unknown, so they stay in the order they
   * came in, and the run is refused for good, naming the expired snapshot, whether the changes make
   * one range or several.
   */
  @Test
  void aRunOverAnExpiredSnapshotIsRefusedNamingIt() {
    String name = "x_" + UUID.randomUUID().toString().substring(0, 6);
    TableWriter writer = new TableWriter(fixture.catalog());
    Table source =
        writer.createOrLoad(TableIdentifier.of("src", name), Orders.SCHEMA, Orders.BY_DAY);
    Snapshot s1 = writer.append(source, orders(source, 1, 2));
    Snapshot s2 = writer.append(source, orders(source, 10, 2));
    writer.append(source, orders(source, 20, 1)); // s3, in no run
    Snapshot s4 = writer.append(source, orders(source, 30, 1));
    Table icdc = icdcTable(writer, name, source, s1, s2, s4);
    TableRef icdcRef = new TableRef(fixture.name(), List.of("floe_icdc"), name);
    List<PendingChange> oneRange = List.of(pending(icdcRef, icdc, s1), pending(icdcRef, icdc, s2));
    List<PendingChange> twoRanges =
        List.of(pending(icdcRef, icdc, s1), pending(icdcRef, icdc, s2), pending(icdcRef, icdc, s4));
    source.expireSnapshots().expireSnapshotId(s1.snapshotId()).cleanExpiredFiles(false).commit();

    IcdcUnions unions = new IcdcUnions(fixture::catalog);
    for (List<PendingChange> changes : List.of(oneRange, twoRanges)) {
      assertThatThrownBy(() -> unions.complete(request("daily-x-9", name, changes), changes))
          .as("%d changes", changes.size())
          .isInstanceOf(Unions.Refused.class)
          .hasMessageContaining(Long.toString(s1.snapshotId()))
          .hasMessageContaining("expired");
    }
  }

  /**
   * A rollback between a run's changes: the later change does not descend from the earlier. The
   * walk between them stops once it passes the earlier change, so history expired further back is
   * not read: the input goes without states, saying why, and the run is not refused.
   */
  @Test
  void aRunAcrossARollbackGoesWithoutStatesWhateverExpiredBeforeIt() {
    String name = "r_" + UUID.randomUUID().toString().substring(0, 6);
    TableWriter writer = new TableWriter(fixture.catalog());
    Table source =
        writer.createOrLoad(TableIdentifier.of("src", name), Orders.SCHEMA, Orders.BY_DAY);
    Snapshot s1 = writer.append(source, orders(source, 1, 2));
    Snapshot compaction = writer.compact(source);
    Snapshot s2 = writer.append(source, orders(source, 10, 2));
    writer.rollbackTo(source, compaction.snapshotId());
    Snapshot s3 = writer.deleteRowsByPosition(source, Expressions.equal("order_id", 1L));
    source.expireSnapshots().expireSnapshotId(s1.snapshotId()).cleanExpiredFiles(false).commit();
    source.refresh();
    assertThat(source.snapshot(s1.snapshotId())).isNull();

    Table icdc = icdcTable(writer, name, source, s2, s3);
    TableRef icdcRef = new TableRef(fixture.name(), List.of("floe_icdc"), name);
    List<PendingChange> changes = List.of(pending(icdcRef, icdc, s2), pending(icdcRef, icdc, s3));
    RunInput input =
        new IcdcUnions(fixture::catalog)
            .complete(request("daily-r-1", name, changes), changes)
            .inputs()
            .get(0);

    assertThat(input.icdc()).isNull();
    assertThat(input.statesOmitted()).contains("is not an ancestor");
  }

  /**
   * Format v3, merge-on-read: each update replaces the deletion vector of a data file that the one
   * before gave one, so replaying the changes' states would put two vectors on one file, which
   * Iceberg refuses for good. The run's states are formed from the range instead, and hold {@code
   * rows(Sn) = rows(S0) − removed + added}.
   */
  @Test
  void aRunOverDeletionVectorsReplacedWithinItsRangeIsFormedExactly() {
    String name = "v3_" + UUID.randomUUID().toString().substring(0, 6);
    TableWriter writer = new TableWriter(fixture.catalog());
    Table source =
        writer.createOrLoad(TableIdentifier.of("src", name), Orders.SCHEMA, Orders.BY_DAY);
    source.updateProperties().set(TableProperties.FORMAT_VERSION, "3").commit();
    Snapshot s0 = writer.append(source, orders(source, 1, 10));
    Snapshot s1 =
        writer.updateRows(source, Expressions.in("order_id", 1L, 2L), r -> shipped(r, "A"));
    Snapshot s2 = writer.deleteRowsByVector(source, Expressions.in("order_id", 3L, 4L));
    Snapshot s3 =
        writer.updateRows(source, Expressions.in("order_id", 5L, 1L), r -> shipped(r, "B"));
    source.refresh();
    assertThat(replacedVectors(source, s2)).as("s2 replaced the vector s1 gave").isPositive();
    assertThat(replacedVectors(source, s3)).as("s3 replaced the vector s2 gave").isPositive();

    Table icdc = icdcTable(writer, name, source, s1, s2, s3);
    TableRef icdcRef = new TableRef(fixture.name(), List.of("floe_icdc"), name);
    List<PendingChange> changes =
        List.of(pending(icdcRef, icdc, s1), pending(icdcRef, icdc, s2), pending(icdcRef, icdc, s3));

    RunInput input =
        new IcdcUnions(fixture::catalog)
            .complete(request("v3-run-1", name, changes), changes)
            .inputs()
            .get(0);
    icdc.refresh();

    List<String> expected = new ArrayList<>(fullRows(source, s0.snapshotId()));
    for (String row : fullRows(icdc, input.removedIcdc().snapshotId())) {
      assertThat(expected.remove(row)).as("a removed row S0 held: %s", row).isTrue();
    }
    expected.addAll(fullRows(icdc, input.icdc().snapshotId()));
    expected.sort(String::compareTo);
    assertThat(expected).isEqualTo(fullRows(source, s3.snapshotId()));
    assertThat(input.removedIcdc().ref()).isEqualTo("run-v3-run-1-removed");
  }

  /**
   * A source upgraded from format 2 to 3: a run over a format-2 position delete and a later
   * deletion vector on another file needs both in its added state, which no format-3 table takes
   * (and a deletion vector needs one). Iceberg would refuse it for good: the run is refused, naming
   * the file, and nothing is committed. A run over vectors only is formed, and the ICDC table,
   * registered at format 2, is upgraded by it.
   */
  @Test
  void aRunIcebergWouldRefuseForGoodIsRefusedAndVectorsUpgradeTheTable() {
    String name = "f_" + UUID.randomUUID().toString().substring(0, 6);
    TableWriter writer = new TableWriter(fixture.catalog());
    Table source =
        writer.createOrLoad(TableIdentifier.of("src", name), Orders.SCHEMA, Orders.BY_DAY);
    writer.append(source, orders(source, 1, 3));
    writer.append(source, orders(source, 10, 3));
    Snapshot s1 = writer.deleteRowsByPosition(source, Expressions.in("order_id", 1L));
    source.updateProperties().set(TableProperties.FORMAT_VERSION, "3").commit();
    Snapshot s2 = writer.deleteRowsByVector(source, Expressions.in("order_id", 10L));
    Snapshot s3 = writer.deleteRowsByVector(source, Expressions.in("order_id", 11L));
    Table icdc = icdcTable(writer, name, source, 2, s1, s2, s3);
    TableRef icdcRef = new TableRef(fixture.name(), List.of("floe_icdc"), name);
    IcdcUnions unions = new IcdcUnions(fixture::catalog);

    List<PendingChange> mixed = List.of(pending(icdcRef, icdc, s1), pending(icdcRef, icdc, s2));
    assertThatThrownBy(() -> unions.complete(request("f-run-1", name, mixed), mixed))
        .isInstanceOf(Unions.Refused.class)
        .hasMessageContaining("cannot be formed")
        .hasMessageContaining("takes no format-2 position deletes")
        .hasMessageContaining("pos-deletes");
    icdc.refresh();
    assertThat(icdc.refs()).doesNotContainKey(IcdcUnions.addedTag("f-run-1"));

    List<PendingChange> vectors = List.of(pending(icdcRef, icdc, s2), pending(icdcRef, icdc, s3));
    RunInput input = unions.complete(request("f-run-2", name, vectors), vectors).inputs().get(0);
    icdc.refresh();
    assertThat(input.statesOmitted()).isNull();
    assertThat(((HasTableOperations) icdc).operations().current().formatVersion()).isEqualTo(3);
    List<String> expected = new ArrayList<>(fullRows(source, s1.snapshotId()));
    fullRows(icdc, input.removedIcdc().snapshotId()).forEach(expected::remove);
    expected.addAll(fullRows(icdc, input.icdc().snapshotId()));
    expected.sort(String::compareTo);
    assertThat(expected).isEqualTo(fullRows(source, s3.snapshotId()));
  }

  private static Record shipped(Record row, String status) {
    Record copy = row.copy();
    copy.setField("status", status);
    return copy;
  }

  private static long replacedVectors(Table table, Snapshot snapshot) {
    List<String> deletes = new ArrayList<>();
    table
        .snapshot(snapshot.snapshotId())
        .removedDeleteFiles(table.io())
        .forEach(d -> deletes.add(d.location()));
    return deletes.size();
  }

  private static List<String> fullRows(Table table, long snapshotId) {
    List<String> out = new ArrayList<>();
    try (CloseableIterable<Record> records =
        IcebergGenerics.read(table).useSnapshot(snapshotId).build()) {
      records.forEach(r -> out.add(r.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(String::compareTo);
    return out;
  }

  /** An ICDC table with an added state per change, as the capture service commits them. */
  private static Table icdcTable(
      TableWriter writer, String name, Table source, Snapshot... snapshots) {
    return icdcTable(
        writer,
        name,
        source,
        ((HasTableOperations) source).operations().current().formatVersion(),
        snapshots);
  }

  /** As {@link #icdcTable(TableWriter, String, Table, Snapshot...)}, of format {@code version}. */
  private static Table icdcTable(
      TableWriter writer, String name, Table source, int version, Snapshot... snapshots) {
    TableIdentifier icdcId = TableIdentifier.of("floe_icdc", name);
    Table icdc = writer.createOrLoad(icdcId, Orders.SCHEMA, Orders.BY_DAY);
    icdc.updateProperties().set(TableProperties.FORMAT_VERSION, Integer.toString(version)).commit();
    icdc.newAppend().commit();
    icdc.refresh();
    for (Snapshot s : snapshots) {
      List<DataFile> added = new ArrayList<>();
      s.addedDataFiles(source.io()).forEach(added::add);
      IcdcStates.commitSteps(
          icdc,
          IcdcStates.changeTag(s.snapshotId()),
          List.of(new IcdcStates.Step(added, List.of(), List.of())),
          Map.of(),
          Duration.ofDays(1));
      icdc.refresh();
    }
    return icdc;
  }

  private static RunRequested request(String runId, String name, List<PendingChange> changes) {
    return UnionRequests.of(runId, new TableRef(fixture.name(), List.of("src"), name), changes);
  }

  private static PendingChange pending(TableRef icdcRef, Table icdc, Snapshot s) {
    String tag = IcdcStates.changeTag(s.snapshotId());
    return new PendingChange(
        "c" + s.snapshotId(),
        "capture:cap",
        "cap",
        null,
        new IcdcRef(icdcRef, tag, icdc.refs().get(tag).snapshotId(), null),
        new SnapshotRange(s.parentId(), s.snapshotId(), List.of(s.snapshotId())),
        3,
        List.of(),
        false,
        Instant.now(),
        null,
        null);
  }
}
