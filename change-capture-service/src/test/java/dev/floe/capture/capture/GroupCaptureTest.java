package dev.floe.capture.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.capture.IcdcOracle;
import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.IcdcTables;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.test.Events;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A backlog of a table's snapshots captured together ({@link CaptureProcessor#captureAll}), on a
 * real catalog: one ICDC commit for all of them, and for each change the same states, ranges, late
 * flags and event as capturing the snapshots one at a time.
 */
@Tag("unit")
class GroupCaptureTest {
  private static final OffsetDateTime DAY1 =
      OffsetDateTime.of(2026, 11, 20, 0, 0, 0, 0, ZoneOffset.UTC);
  private static CatalogFixture fixture;
  private static TableWriter writer;

  private String name;
  private Table source;
  private CaptureProcessor processor;
  private long nextOrder = 1;

  @BeforeAll
  static void catalog() {
    fixture = CatalogFixture.start(CatalogKind.SQLITE, FloeStack.workDir("group-capture"));
    writer = new TableWriter(fixture.catalog());
  }

  @AfterAll
  static void close() {
    fixture.close();
  }

  @BeforeEach
  void source() {
    name = "g_" + UUID.randomUUID().toString().substring(0, 8);
    source = writer.createOrLoad(TableIdentifier.of("src", name), Orders.SCHEMA, Orders.BY_DAY);
    processor = new CaptureProcessor(fixture::catalog, Clock.systemUTC());
  }

  @Test
  void aBacklogIsCapturedInOneIcdcCommitAndEachChangeAsIfCapturedAlone() {
    CaptureDefined grouped = capture("grouped");
    CaptureDefined alone = capture("alone");
    Snapshot first = writer.append(source, orders(2, DAY1.plusDays(3), "NEW"));
    processor.capture(grouped, committed(first));
    processor.capture(alone, committed(first));
    List<Snapshot> backlog = new ArrayList<>();
    backlog.add(writer.append(source, orders(2, DAY1.plusDays(4), "NEW")));
    backlog.add(writer.append(source, orders(1, DAY1, "NEW"))); // below the mark: late
    backlog.add(
        writer.overwrite(
            source,
            Expressions.equal(
                Expressions.day("order_ts"), (int) DAY1.plusDays(4).toLocalDate().toEpochDay()),
            orders(1, DAY1.plusDays(4), "PAID")));
    backlog.add(writer.compact(source)); // no state; the marks carry past it
    backlog.add(writer.append(source, orders(1, DAY1.plusDays(1), "NEW"))); // late again
    backlog.add(writer.deleteRowsByPosition(source, Expressions.equal("status", "PAID")));
    Table icdc = icdc(grouped);
    int commitsBefore = metadataCommits(icdc);

    List<CaptureProcessor.Outcome> together =
        processor.captureAll(grouped, backlog.stream().map(this::committed).toList());

    icdc.refresh();
    assertThat(metadataCommits(icdc)).as("ICDC catalog commits").isEqualTo(commitsBefore + 1);
    for (int i = 0; i < backlog.size(); i++) {
      ChangeCaptured event = together.get(i).event();
      ChangeCaptured single = processor.capture(alone, committed(backlog.get(i))).event();
      Table aloneIcdc = icdc(alone);
      assertThat(event.kind()).as("change %d", i).isEqualTo(single.kind());
      assertThat(event.range()).isEqualTo(single.range());
      assertThat(event.stats()).isEqualTo(single.stats());
      assertThat(event.ranges()).as("ranges of change %d", i).isEqualTo(single.ranges());
      assertThat(event.partitions()).isEqualTo(single.partitions());
      assertThat(event.lateData()).as("late data in change %d", i).isEqualTo(single.lateData());
      assertThat(rows(icdc, event.icdc())).isEqualTo(rows(aloneIcdc, single.icdc()));
      assertThat(rows(icdc, event.removedIcdc())).isEqualTo(rows(aloneIcdc, single.removedIcdc()));
      // Captured again, alone: the state is found under its own tag, nothing is committed. (A
      // compaction has no state to date its capture by.)
      assertThat(processor.capture(grouped, committed(backlog.get(i))).event())
          .usingRecursiveComparison()
          .ignoringFields(event.kind() == ChangeKind.REPLACE ? "capturedAt" : "")
          .isEqualTo(event);
    }
    assertThat(together.stream().map(o -> o.event().lateData()).toList())
        .as("late data: below the mark carried from the change before, in the group or not")
        .startsWith(false, true);
    assertThat(together.get(3).event().kind()).isEqualTo(ChangeKind.REPLACE);
    icdc.refresh();
    assertThat(metadataCommits(icdc)).isEqualTo(commitsBefore + 1);
    IcdcRef added = together.get(0).event().icdc();
    assertThat(icdc.snapshot(added.snapshotId()).summary())
        .containsEntry(CaptureProcessor.GROUP_SIZE, "6");
  }

  @Test
  void aSchemaChangeInTheBacklogStartsAnotherCommitWithTheNewSchema() {
    CaptureDefined capture = capture("evolving");
    processor.capture(capture, committed(writer.append(source, orders(1, DAY1, "NEW"))));
    List<Snapshot> backlog = new ArrayList<>();
    backlog.add(writer.append(source, orders(1, DAY1, "NEW")));
    backlog.add(writer.append(source, orders(1, DAY1, "NEW")));
    writer.evolveSchema(source, u -> u.addColumn("coupon", Types.StringType.get()));
    backlog.add(writer.append(source, orders(1, DAY1, "NEW")));

    List<CaptureProcessor.Outcome> together =
        processor.captureAll(capture, backlog.stream().map(this::committed).toList());

    Table icdc = icdc(capture);
    List<Snapshot> states =
        together.stream().map(o -> icdc.snapshot(o.event().icdc().snapshotId())).toList();
    assertThat(states.stream().map(s -> s.summary().get(CaptureProcessor.GROUP_SIZE)))
        .containsExactly("2", "2", "1");
    assertThat(
            states.stream().map(s -> icdc.schemas().get(s.schemaId()).findField("coupon") != null))
        .as("the state's schema has the new column")
        .containsExactly(false, false, true);
  }

  private CaptureDefined capture(String id) {
    return new CaptureDefined(
        "cap_" + name + "_" + id,
        new TableRef(fixture.name(), List.of("src"), name),
        "main",
        List.of("order_ts", "amount", "status"),
        Arrays.asList(ChangeKind.values()),
        new TableRef(fixture.name(), List.of("floe_icdc"), "src__" + name + "__" + id),
        Duration.ZERO,
        Duration.ofDays(7),
        Duration.ofDays(3),
        false,
        false,
        false,
        "test",
        Instant.now());
  }

  private List<Record> orders(int n, OffsetDateTime day, String status) {
    List<Record> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(
          Orders.order(
              source,
              nextOrder++,
              "eu-west",
              status,
              BigDecimal.valueOf(100 + i, 2),
              day.plusMinutes(7L * i)));
    }
    return rows;
  }

  private SnapshotCommitted committed(Snapshot s) {
    return Events.committed(new TableRef(fixture.name(), List.of("src"), name), source, s);
  }

  private static Table icdc(CaptureDefined capture) {
    return fixture.catalog().loadTable(IcdcTables.identifier(capture));
  }

  private static List<String> rows(Table icdc, IcdcRef state) {
    return state == null ? List.of() : IcdcOracle.rows(icdc, state.snapshotId());
  }

  /** Catalog commits so far: each writes one metadata file, and the sequence numbers its name. */
  private static int metadataCommits(Table table) {
    String file = ((HasTableOperations) table).operations().current().metadataFileLocation();
    String name = file.substring(file.lastIndexOf('/') + 1);
    return Integer.parseInt(name.substring(0, name.indexOf('-')));
  }
}
