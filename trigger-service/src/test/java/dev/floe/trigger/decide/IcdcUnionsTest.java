package dev.floe.trigger.decide;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Union states of a run, committed for real on a SQLite JdbcCatalog with real Parquet files. */
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
  void aRunOfSeveralChangesReadsExactlyTheirUnionOnceAndAGoneStateLeavesChangeIdsOnly() {
    String name = "t_" + UUID.randomUUID().toString().substring(0, 6);
    TableWriter writer = new TableWriter(fixture.catalog());
    Table source =
        writer.createOrLoad(TableIdentifier.of("src", name), Orders.SCHEMA, Orders.BY_DAY);
    Snapshot s1 = writer.append(source, orders(source, 1, 3));
    Snapshot s2 = writer.append(source, orders(source, 10, 2));
    writer.append(source, orders(source, 100, 4)); // not in the run

    // An ICDC table with a state per change, as the capture service commits them.
    TableIdentifier icdcId = TableIdentifier.of("floe_icdc", name);
    Table icdc = writer.createOrLoad(icdcId, Orders.SCHEMA, Orders.BY_DAY);
    icdc.newAppend().commit();
    icdc.refresh();
    for (Snapshot s : List.of(s1, s2)) {
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
    TableRef icdcRef = new TableRef(fixture.name(), List.of("floe_icdc"), name);
    List<PendingChange> changes = List.of(pending(icdcRef, icdc, s1), pending(icdcRef, icdc, s2));
    RunRequested request =
        new RunRequested(
            "daily-x-1",
            "daily",
            List.of(
                new RunInput(
                    "cap",
                    new TableRef(fixture.name(), List.of("src"), name),
                    null,
                    List.of(changes.get(0).range(), changes.get(1).range()),
                    List.of("c1", "c2"),
                    5,
                    List.of(),
                    false)),
            5,
            false,
            "changes",
            null,
            1);

    IcdcUnions unions = new IcdcUnions(fixture::catalog);
    IcdcRef union = unions.complete(request, changes).inputs().get(0).icdc();
    assertThat(union.ref()).isEqualTo("run-daily-x-1");
    icdc.refresh();
    assertThat(rows(icdc, union.snapshotId())).containsExactly("1", "10", "11", "2", "3");
    long snapshots = icdc.snapshots().spliterator().getExactSizeIfKnown();
    List<String> icdcFiles = new ArrayList<>();
    icdc.snapshot(union.snapshotId())
        .addedDataFiles(icdc.io())
        .forEach(f -> icdcFiles.add(f.location()));
    assertThat(icdcFiles).allMatch(p -> p.contains("/src/" + name + "/data/"));

    // Formed again (a replay), the run finds its state: nothing is committed twice.
    IcdcRef again = unions.complete(request, changes).inputs().get(0).icdc();
    assertThat(again).isEqualTo(union);
    icdc.refresh();
    assertThat(icdc.snapshots().spliterator().getExactSizeIfKnown()).isEqualTo(snapshots);

    // A change whose state has expired: the run goes with change ids only.
    icdc.manageSnapshots().removeTag(IcdcStates.changeTag(s2.snapshotId())).commit();
    RunRequested other =
        new RunRequested("daily-x-2", "daily", request.inputs(), 5, false, "changes", null, 1);
    assertThat(unions.complete(other, changes).inputs().get(0).icdc()).isNull();
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
        Instant.now());
  }
}
