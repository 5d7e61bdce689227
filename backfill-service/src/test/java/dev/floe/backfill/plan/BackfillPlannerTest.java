package dev.floe.backfill.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floe.contracts.model.BackfillSpec;
import dev.floe.contracts.model.ChunkPlan;
import dev.floe.contracts.model.FieldRange;
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.TableRefs;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Planning on a real catalog (JdbcCatalog on SQLite) and real Parquet files: 30 days of orders in a
 * table partitioned by day.
 */
@Tag("unit")
class BackfillPlannerTest {
  private static final OffsetDateTime OCT_1 =
      OffsetDateTime.of(2026, 10, 1, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final int PER_DAY = 20;
  private static CatalogFixture fixture;
  private static Catalog counting;
  private static BackfillPlanner planner;
  private static TableRef source;
  private static Map<String, List<Long>> idsByDay = new TreeMap<>();

  @BeforeAll
  static void writeThirtyDays() {
    fixture = CatalogFixture.start(CatalogKind.SQLITE, FloeStack.workDir("planner"));
    TableWriter writer = new TableWriter(fixture.catalog());
    Table table =
        writer.createOrLoad(TableIdentifier.of("demo", "orders30"), Orders.SCHEMA, Orders.BY_DAY);
    List<Record> rows = new ArrayList<>();
    long id = 1;
    for (int day = 0; day < 30; day++) {
      for (int i = 0; i < PER_DAY; i++) {
        OffsetDateTime ts = OCT_1.plusDays(day).plusMinutes(i * 7L);
        rows.add(Orders.order(table, id, "eu-west", "NEW", BigDecimal.TEN, ts));
        idsByDay.computeIfAbsent(ts.toLocalDate().toString(), k -> new ArrayList<>()).add(id);
        id++;
      }
      if (day % 10 == 9) {
        writer.append(table, rows); // three commits of ten day-files each
        rows.clear();
      }
    }
    source = new TableRef(fixture.name(), List.of("demo"), "orders30");
    Map<String, String> props = new LinkedHashMap<>(fixture.properties());
    props.put(CatalogUtil.ICEBERG_CATALOG_TYPE, props.get(CatalogUtil.ICEBERG_CATALOG_TYPE));
    props.put("io-impl", CountingFileIO.class.getName());
    counting = CatalogUtil.buildIcebergCatalog(fixture.name(), props, new Configuration());
    planner = new BackfillPlanner(() -> counting, "floe_icdc", Duration.ofDays(7), 100);
  }

  @AfterAll
  static void close() {
    fixture.close();
  }

  @Test
  void aThirtyDayRangeOfADayPartitionedTablePlansThirtyChunksFromMetadataAlone() {
    CountingFileIO.DATA_FILES_OPENED.set(0);
    BackfillPlanner.Plan plan =
        planner.plan(
            "bf-30",
            spec(dayChunks(), "2026-10-01T00:00:00Z", "2026-10-31T00:00:00Z"),
            List.of(),
            false);

    assertThat(CountingFileIO.DATA_FILES_OPENED.get()).as("data files opened").isZero();
    // The counter does see data reads through that catalog: the zero above means something.
    try (CloseableIterable<Record> rows =
        IcebergGenerics.read(counting.loadTable(TableIdentifier.of("demo", "orders30"))).build()) {
      assertThat(rows.iterator().hasNext()).isTrue();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertThat(CountingFileIO.DATA_FILES_OPENED.get()).isPositive();
    assertThat(plan.chunks()).hasSize(30);
    assertThat(plan.chunks())
        .extracting(ChunkPlan::chunkId)
        .containsExactlyElementsOf(idsByDay.keySet());
    assertThat(plan.chunks()).extracting(ChunkPlan::index).containsExactlyElementsOf(range(30));
    assertThat(plan.chunks()).allMatch(c -> c.records() == PER_DAY && c.dataFiles() == 1);
    assertThat(plan.records()).isEqualTo(30L * PER_DAY);
    FieldRange first = plan.chunks().get(0).ranges().get(0);
    assertThat(first.field()).isEqualTo("order_ts");
    assertThat(first.min()).isEqualTo("2026-10-01T00:00:00Z");
    assertThat(first.max()).isEqualTo("2026-10-01T02:13:00Z");
    assertThat(plan.spec().range().toSnapshotId())
        .isEqualTo(
            fixture
                .catalog()
                .loadTable(TableIdentifier.of("demo", "orders30"))
                .currentSnapshot()
                .snapshotId());
  }

  @Test
  void eachChunkIsAZeroCopyIcdcStateHoldingExactlyItsDaysRows() {
    BackfillPlanner.Plan plan =
        planner.plan(
            "bf-icdc",
            spec(dayChunks(), "2026-10-01T00:00:00Z", "2026-10-31T00:00:00Z"),
            List.of(),
            false);
    Table icdc = fixture.catalog().loadTable(TableRefs.identifier(planner.icdcTable(source)));
    Table table = fixture.catalog().loadTable(TableIdentifier.of("demo", "orders30"));
    Set<String> sourceFiles = new HashSet<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      tasks.forEach(t -> sourceFiles.add(t.file().location()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (ChunkPlan chunk : plan.chunks()) {
      assertThat(chunk.icdc()).isNotNull();
      assertThat(chunk.icdc().ref()).isEqualTo(BackfillPlanner.tag("bf-icdc", chunk.chunkId()));
      List<Long> ids = new ArrayList<>();
      try (CloseableIterable<Record> rows =
          IcebergGenerics.read(icdc).useSnapshot(chunk.icdc().snapshotId()).build()) {
        rows.forEach(r -> ids.add((Long) r.getField("order_id")));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      assertThat(ids).containsExactlyInAnyOrderElementsOf(idsByDay.get(chunk.chunkId()));
      try (CloseableIterable<FileScanTask> tasks =
          icdc.newScan().useSnapshot(chunk.icdc().snapshotId()).planFiles()) {
        tasks.forEach(t -> assertThat(sourceFiles).contains(t.file().location()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    assertThat(table.refs()).containsKey(BackfillPins.PREFIX + "bf-icdc");
  }

  /**
   * An id is planned once, and its source is pinned before its chunk states are committed (a large
   * plan takes minutes, during which the source's expiry must not remove what the states use).
   */
  @Test
  void anIdIsPlannedOnce() {
    var plan = planner.plan("bf-once", spec(dayChunks(), null, null), List.of(), false);
    Table source = fixture.catalog().loadTable(TableIdentifier.of("demo", "orders30"));
    long pinnedAt =
        ((org.apache.iceberg.HasTableOperations) source).operations().current().lastUpdatedMillis();
    assertThat(source.refs()).containsKey(BackfillPins.PREFIX + "bf-once");
    Table icdc =
        fixture
            .catalog()
            .loadTable(dev.floe.icdc.TableRefs.identifier(planner.icdcTable(plan.spec().table())));
    String firstState = BackfillPlanner.tag("bf-once", plan.chunks().get(0).chunkId());
    long statedAt = icdc.snapshot(icdc.refs().get(firstState).snapshotId()).timestampMillis();
    assertThat(pinnedAt).as("the pin's commit, then the states'").isLessThanOrEqualTo(statedAt);
    long pinned = source.refs().get(BackfillPins.PREFIX + "bf-once").snapshotId();
    assertThatThrownBy(
            () -> planner.plan("bf-once", spec(dayChunks(), null, null), List.of(), false))
        .isInstanceOfSatisfying(
            PlanningException.class,
            e -> {
              assertThat(e.status()).isEqualTo(409);
              assertThat(e.field()).isEqualTo("id");
            });
    source.refresh();
    assertThat(source.refs().get(BackfillPins.PREFIX + "bf-once").snapshotId()).isEqualTo(pinned);
  }

  @Test
  void aSnapshotRangeOfAppendsTakesTheFilesAppendedAfterItsStart() {
    Table table = fixture.catalog().loadTable(TableIdentifier.of("demo", "orders30"));
    List<Long> commits = new ArrayList<>();
    for (org.apache.iceberg.Snapshot s : table.snapshots()) {
      commits.add(s.snapshotId());
    }
    BackfillSpec.Range afterFirst =
        new BackfillSpec.Range(null, null, null, null, commits.get(0), commits.get(2), null, null);
    BackfillSpec spec =
        new BackfillSpec(
            source,
            null,
            afterFirst,
            dayChunks(),
            "job",
            1,
            BackfillSpec.Order.OLDEST_FIRST,
            false,
            null,
            null);
    BackfillPlanner.Plan plan = planner.plan("bf-snap", spec, List.of(), true);
    assertThat(plan.chunks()).hasSize(20);
    assertThat(plan.chunks().get(0).chunkId()).isEqualTo("2026-10-11");
    assertThat(plan.spec().range().fromSnapshotId()).isEqualTo(commits.get(0));
  }

  @Test
  void oneCommitsLiveFilesAreSelectedByTheirSequenceNumberAndAStartIsRefusedWithIt() {
    Table table = fixture.catalog().loadTable(TableIdentifier.of("demo", "orders30"));
    List<org.apache.iceberg.Snapshot> commits = new ArrayList<>();
    table.snapshots().forEach(commits::add);
    org.apache.iceberg.Snapshot second = commits.get(1);
    long added =
        java.util.stream.StreamSupport.stream(
                second.addedDataFiles(table.io()).spliterator(), false)
            .count();
    BackfillSpec.Range ofSecond =
        new BackfillSpec.Range(
            null, null, null, null, null, null, null, null, second.sequenceNumber());
    BackfillSpec spec = withSpec(spec(dayChunks(), null, null), ofSecond, dayChunks());
    BackfillPlanner.Plan plan = planner.plan("bf-seq", spec, List.of(), true);
    assertThat(added).isPositive();
    assertThat(plan.dataFiles()).as("the second commit's files, all still live").isEqualTo(added);
    assertThat(plan.spec().range().addedAtSequenceNumber()).isEqualTo(second.sequenceNumber());

    BackfillSpec.Range withStart =
        new BackfillSpec.Range(
            null,
            null,
            null,
            null,
            commits.get(0).snapshotId(),
            null,
            null,
            null,
            second.sequenceNumber());
    assertField(withSpec(spec, withStart, dayChunks()), "range.addedAtSequenceNumber");
  }

  /**
   * A snapshot range over merge-on-read and copy-on-write changes: each chunk carries the range's
   * two zero-copy states for its day, read at the range's start (removed) and end (added), such
   * that, for each day, {@code rows(end) = rows(start) − removed + added} as multisets, with {@code
   * removed ⊆ rows(start)}; only the source's own files are referenced, and the start is pinned.
   */
  @Test
  void aSnapshotRangeGivesEachChunkItsRemovedAndAddedStates() {
    TableWriter writer = new TableWriter(fixture.catalog());
    Table table =
        writer.createOrLoad(TableIdentifier.of("demo", "orders_mor"), Orders.SCHEMA, Orders.BY_DAY);
    OffsetDateTime dec1 = OffsetDateTime.of(2026, 12, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    List<Record> rows = new ArrayList<>();
    for (int day = 0; day < 3; day++) {
      for (int i = 0; i < 4; i++) {
        long id = 1000 + day * 10 + i;
        rows.add(Orders.order(table, id, "eu-west", "NEW", BigDecimal.TEN, dec1.plusDays(day)));
      }
    }
    long start = writer.append(table, rows).snapshotId();
    // Day 4 appended; day 1 loses a row by position delete; day 2 is rewritten copy-on-write with
    // a status changed and a row dropped; day 3 loses a row by equality delete.
    writer.append(
        table,
        List.of(
            Orders.order(table, 1030, "eu-west", "NEW", BigDecimal.ONE, dec1.plusDays(3)),
            Orders.order(table, 1031, "eu-west", "NEW", BigDecimal.ONE, dec1.plusDays(3))));
    writer.deleteRowsByPosition(table, Expressions.equal("order_id", 1001L));
    List<Record> day2 = new ArrayList<>();
    for (int i = 1; i < 4; i++) {
      day2.add(Orders.order(table, 1010 + i, "eu-west", "PAID", BigDecimal.TEN, dec1.plusDays(1)));
    }
    writer.overwrite(
        table,
        Expressions.and(
            Expressions.greaterThanOrEqual(
                "order_ts", dec1.plusDays(1).toEpochSecond() * 1_000_000L),
            Expressions.lessThan("order_ts", dec1.plusDays(2).toEpochSecond() * 1_000_000L)),
        day2);
    writer.deleteRowsByEquality(table, "order_id", List.of(1022L));
    table.refresh();
    long end = table.currentSnapshot().snapshotId();
    TableRef ref = new TableRef(fixture.name(), List.of("demo"), "orders_mor");
    BackfillSpec spec =
        new BackfillSpec(
            ref,
            null,
            new BackfillSpec.Range(null, null, null, null, start, end, null, null),
            dayChunks(),
            "job",
            1,
            BackfillSpec.Order.OLDEST_FIRST,
            false,
            null,
            null);

    long planned = System.currentTimeMillis();
    BackfillPlanner.Plan plan = planner.plan("bf-mor", spec, List.of(), false);

    assertThat(plan.chunks())
        .extracting(ChunkPlan::chunkId)
        .containsExactly("2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04");
    Table icdc = fixture.catalog().loadTable(TableRefs.identifier(planner.icdcTable(ref)));
    String sourceData = java.net.URI.create(table.location()).getPath() + "/data/";
    for (ChunkPlan chunk : plan.chunks()) {
      long day = java.time.LocalDate.parse(chunk.chunkId()).toEpochDay();
      List<String> atStart = day(rowsAt(table, start), day);
      List<String> atEnd = day(rowsAt(table, end), day);
      List<String> added =
          chunk.icdc() == null ? List.of() : rowsAt(icdc, chunk.icdc().snapshotId());
      List<String> removed =
          chunk.removedIcdc() == null ? List.of() : rowsAt(icdc, chunk.removedIcdc().snapshotId());
      List<String> expected = new ArrayList<>(atStart);
      removed.forEach(
          r ->
              assertThat(expected.remove(r))
                  .as("%s removed %s, live at the start", chunk, r)
                  .isTrue());
      expected.addAll(added);
      assertThat(expected)
          .as("chunk %s: start − removed + added", chunk.chunkId())
          .containsExactlyInAnyOrderElementsOf(atEnd);
      for (var state : java.util.Arrays.asList(chunk.icdc(), chunk.removedIcdc())) {
        if (state != null) {
          try (CloseableIterable<FileScanTask> tasks =
              icdc.newScan().useSnapshot(state.snapshotId()).planFiles()) {
            tasks.forEach(
                t ->
                    assertThat(java.net.URI.create(t.file().location()).getPath())
                        .startsWith(sourceData));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }
    }
    ChunkPlan appendedDay = plan.chunks().get(3);
    assertThat(appendedDay.removedIcdc()).as("an appended day removes nothing").isNull();
    assertThat(appendedDay.records()).isEqualTo(2);
    assertThat(plan.chunks().get(1).removedIcdc()).as("the rewritten day").isNotNull();
    table.refresh();
    assertThat(table.refs())
        .containsKeys(
            BackfillPins.PREFIX + "bf-mor",
            BackfillPins.PREFIX + "bf-mor" + BackfillPins.FROM_SUFFIX);
    assertThat(
            table
                .refs()
                .get(BackfillPins.PREFIX + "bf-mor" + BackfillPins.FROM_SUFFIX)
                .snapshotId())
        .isEqualTo(start);

    // Iceberg ages a tag from its snapshot's commit: the pins last the retention from the plan.
    for (String pin :
        List.of(
            BackfillPins.PREFIX + "bf-mor",
            BackfillPins.PREFIX + "bf-mor" + BackfillPins.FROM_SUFFIX)) {
      long snapshotAt = table.snapshot(table.refs().get(pin).snapshotId()).timestampMillis();
      assertThat(table.refs().get(pin).maxRefAgeMs())
          .as(pin)
          .isGreaterThanOrEqualTo(planned - snapshotAt + Duration.ofDays(7).toMillis());
    }

    // What a change that removed rows can't be planned with, each refused naming its field: a
    // filter, even one that keeps only a day the range appended to (the filter must not decide
    // whether the change rewrote), size chunking and a record-count check.
    for (String[] window :
        List.of(
            new String[] {"2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"},
            new String[] {"2026-12-04T00:00:00Z", "2026-12-05T00:00:00Z"})) {
      BackfillSpec.Range withField =
          new BackfillSpec.Range("order_ts", window[0], window[1], null, start, end, null, null);
      assertRefused(withSpec(spec, withField, dayChunks()), "range.field");
    }
    assertRefused(
        withSpec(
            spec,
            new BackfillSpec.Range(
                null,
                null,
                null,
                "{\"type\":\"eq\",\"term\":\"region\",\"value\":\"eu-west\"}",
                start,
                end,
                null,
                null),
            dayChunks()),
        "range.partitionFilter");
    assertRefused(
        withSpec(spec, spec.range(), new BackfillSpec.Chunking("files", null, 10L, null)),
        "chunking.strategy");
    assertRefused(
        new BackfillSpec(
            ref,
            null,
            spec.range(),
            dayChunks(),
            "job",
            1,
            BackfillSpec.Order.OLDEST_FIRST,
            false,
            new BackfillSpec.Validation("record-count", ref, 0.0),
            null),
        "validation.method");
    // A range of appends only takes them all.
    long appended =
        writer
            .append(
                table,
                List.of(
                    Orders.order(table, 1040, "eu-west", "NEW", BigDecimal.ONE, dec1.plusDays(3))))
            .snapshotId();
    BackfillSpec appends =
        withSpec(
            spec,
            new BackfillSpec.Range(
                "order_ts",
                "2026-12-01T00:00:00Z",
                "2026-12-10T00:00:00Z",
                null,
                end,
                appended,
                null,
                null),
            new BackfillSpec.Chunking("files", null, 10L, null));
    assertThat(planner.plan("bf-mor-a", appends, List.of(), true).records()).isEqualTo(1);

    // The pins keep the range's start from the source's own expiry until they are released;
    // then the expiry drops it (in metadata only: this test deletes no data file).
    assertThat(BackfillPins.expiry(table, "bf-mor"))
        .hasValueSatisfying(at -> assertThat(at).isAfter(Instant.now().plus(Duration.ofDays(6))));
    TableWriter.expireUnreferenced(table);
    assertThat(table.snapshot(start)).as("pinned by the range's start").isNotNull();
    assertThat(BackfillPins.release(table, "bf-mor")).isEqualTo(2);
    assertThat(BackfillPins.release(table, "bf-mor")).as("released once").isZero();
    assertThat(table.refs()).doesNotContainKeys(BackfillPins.tags("bf-mor").toArray(String[]::new));
    assertThat(BackfillPins.expiry(table, "bf-mor")).isEmpty();
    TableWriter.expireUnreferenced(table);
    assertThat(table.snapshot(start)).as("released, then expired").isNull();
  }

  /**
   * Format 3: one commit deletes a row from each of two files of one day, so both deletion vectors
   * sit in one Puffin file at two offsets. The day's chunk keeps both, whole table or snapshot
   * range: a vector is told apart by its offset, not by its file alone.
   */
  @Test
  void deletionVectorsSharingAPuffinFileAllReachTheChunk() {
    TableWriter writer = new TableWriter(fixture.catalog());
    Table table =
        writer.createOrLoad(TableIdentifier.of("demo", "orders_dv"), Orders.SCHEMA, Orders.BY_DAY);
    table.updateProperties().set(org.apache.iceberg.TableProperties.FORMAT_VERSION, "3").commit();
    OffsetDateTime dec5 = OffsetDateTime.of(2026, 12, 5, 0, 0, 0, 0, ZoneOffset.UTC);
    List<Record> first = new ArrayList<>();
    List<Record> second = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      first.add(Orders.order(table, 2000 + i, "eu-west", "NEW", BigDecimal.TEN, dec5.plusHours(i)));
      second.add(
          Orders.order(table, 2010 + i, "eu-west", "NEW", BigDecimal.TEN, dec5.plusHours(i)));
    }
    writer.append(table, first);
    long start = writer.append(table, second).snapshotId();
    writer.deleteRowsByVector(table, Expressions.in("order_id", 2001L, 2011L));
    table.refresh();
    long end = table.currentSnapshot().snapshotId();
    List<org.apache.iceberg.DeleteFile> vectors = new ArrayList<>();
    table.currentSnapshot().addedDeleteFiles(table.io()).forEach(vectors::add);
    assertThat(vectors).hasSize(2);
    assertThat(vectors.get(0).location())
        .as("one Puffin file")
        .isEqualTo(vectors.get(1).location());

    TableRef ref = new TableRef(fixture.name(), List.of("demo"), "orders_dv");
    Table icdc = fixture.catalog().loadTable(TableIdentifier.of("demo", "orders_dv"));
    for (Long from : java.util.Arrays.asList(null, start)) {
      String id = from == null ? "bf-dv-all" : "bf-dv-range";
      BackfillSpec spec =
          new BackfillSpec(
              ref,
              null,
              new BackfillSpec.Range(null, null, null, null, from, end, null, null),
              dayChunks(),
              "job",
              1,
              BackfillSpec.Order.OLDEST_FIRST,
              false,
              null,
              null);
      ChunkPlan chunk = planner.plan(id, spec, List.of(), false).chunks().get(0);
      icdc = fixture.catalog().loadTable(TableRefs.identifier(planner.icdcTable(ref)));
      List<String> expected = new ArrayList<>(from == null ? List.of() : rowsAt(table, from));
      if (chunk.removedIcdc() != null) {
        rowsAt(icdc, chunk.removedIcdc().snapshotId()).forEach(expected::remove);
      }
      expected.addAll(rowsAt(icdc, chunk.icdc().snapshotId()));
      assertThat(expected).as(id).containsExactlyInAnyOrderElementsOf(rowsAt(table, end));
      assertThat(rowsAt(table, end)).as("the day's rows, two deleted").hasSize(4);
    }
  }

  /**
   * A table upgraded from format 2 to 3 whose data file kept format-2 position deletes: a range
   * that updates one of its rows would need them in the chunk's removed state, which Iceberg
   * refuses on a format-3 table. The request is refused, naming the range and Iceberg's reason, and
   * no state is left; a range after it plans.
   */
  @Test
  void aRangeWhoseStatesIcebergRefusesIsRefusedNamingTheRange() {
    TableWriter writer = new TableWriter(fixture.catalog());
    Table table =
        writer.createOrLoad(
            TableIdentifier.of("demo", "orders_upgraded"), Orders.SCHEMA, Orders.BY_DAY);
    OffsetDateTime dec6 = OffsetDateTime.of(2026, 12, 6, 0, 0, 0, 0, ZoneOffset.UTC);
    List<Record> rows = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      rows.add(Orders.order(table, 3000 + i, "eu-west", "NEW", BigDecimal.TEN, dec6.plusHours(i)));
    }
    writer.append(table, rows);
    writer.deleteRowsByPosition(table, Expressions.equal("order_id", 3000L));
    table.updateProperties().set(org.apache.iceberg.TableProperties.FORMAT_VERSION, "3").commit();
    table.refresh();
    long start = table.currentSnapshot().snapshotId();
    writer.updateRows(
        table,
        Expressions.equal("order_id", 3001L),
        r -> {
          r.setField("status", "PAID");
          return r;
        });
    long updated = table.currentSnapshot().snapshotId();
    long end =
        writer
            .append(
                table, List.of(Orders.order(table, 3010, "eu-west", "NEW", BigDecimal.ONE, dec6)))
            .snapshotId();
    TableRef ref = new TableRef(fixture.name(), List.of("demo"), "orders_upgraded");

    assertThatThrownBy(() -> planner.plan("bf-upgraded", range(ref, start, end), List.of(), false))
        .isInstanceOfSatisfying(
            PlanningException.class,
            e -> {
              assertThat(e.field()).isEqualTo("range");
              assertThat(e.getMessage())
                  .contains("Iceberg would refuse", "takes no format-2 position deletes");
            });
    Table icdc = fixture.catalog().loadTable(TableRefs.identifier(planner.icdcTable(ref)));
    assertThat(icdc.refs().keySet()).noneMatch(t -> t.contains("bf-upgraded"));
    assertThat(planner.plan("bf-after", range(ref, updated, end), List.of(), false).chunks())
        .hasSize(1);
  }

  private static BackfillSpec range(TableRef ref, long from, long to) {
    return new BackfillSpec(
        ref,
        null,
        new BackfillSpec.Range(null, null, null, null, from, to, null, null),
        dayChunks(),
        "job",
        1,
        BackfillSpec.Order.OLDEST_FIRST,
        false,
        null,
        null);
  }

  /** Every row of the table at a snapshot, as text, its deletes applied. */
  private static List<String> rowsAt(Table table, long snapshotId) {
    List<String> rows = new ArrayList<>();
    try (CloseableIterable<Record> records =
        IcebergGenerics.read(table).useSnapshot(snapshotId).build()) {
      for (Record r : records) {
        List<Object> values = new ArrayList<>();
        Orders.SCHEMA.columns().forEach(c -> values.add(r.getField(c.name())));
        rows.add(values.toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  /** The rows of one day (days since the epoch, UTC, of order_ts). */
  private static List<String> day(List<String> rows, long day) {
    String date = java.time.LocalDate.ofEpochDay(day).toString();
    return rows.stream().filter(r -> r.contains(", " + date + "T")).toList();
  }

  @Test
  void aDryRunCommitsNothing() {
    BackfillPlanner.Plan plan =
        planner.plan("bf-dry", spec(dayChunks(), null, null), List.of(), true);
    assertThat(plan.chunks()).hasSize(30).allMatch(c -> c.icdc() == null);
    Table table = fixture.catalog().loadTable(TableIdentifier.of("demo", "orders30"));
    assertThat(table.refs()).doesNotContainKey(BackfillPins.PREFIX + "bf-dry");
  }

  @Test
  void aRangeSelectsOnlyItsDaysAndNewestFirstReversesTheOrder() {
    BackfillSpec spec =
        withOrder(
            spec(dayChunks(), "2026-10-10T00:00:00Z", "2026-10-13T00:00:00Z"),
            BackfillSpec.Order.NEWEST_FIRST);
    BackfillPlanner.Plan plan = planner.plan("bf-range", spec, List.of(), true);
    assertThat(plan.chunks())
        .extracting(ChunkPlan::chunkId)
        .containsExactly("2026-10-12", "2026-10-11", "2026-10-10");
    assertThat(plan.chunks()).extracting(ChunkPlan::index).containsExactly(0, 1, 2);
  }

  @Test
  void filesAndRecordsChunkingBoundEachChunk() {
    BackfillPlanner.Plan byFiles =
        planner.plan(
            "bf-files",
            spec(new BackfillSpec.Chunking("files", null, 7L, null), null, null),
            List.of(),
            true);
    assertThat(byFiles.chunks()).hasSize(5).allMatch(c -> c.dataFiles() <= 7);
    BackfillPlanner.Plan byRecords =
        planner.plan(
            "bf-rec",
            spec(new BackfillSpec.Chunking("records", null, null, 50L), null, null),
            List.of(),
            true);
    assertThat(byRecords.chunks()).hasSize(15).allMatch(c -> c.records() <= 50);
    BackfillPlanner.Plan byPartition =
        planner.plan(
            "bf-part",
            spec(new BackfillSpec.Chunking("partition", null, null, null), null, null),
            List.of(),
            true);
    assertThat(byPartition.chunks()).hasSize(30);
    assertThat(byPartition.chunks().get(0).partition().path()).isEqualTo("order_ts_day=2026-10-01");
  }

  @Test
  void aFileSpanningTwoDaysJoinsThemIntoOneChunk() {
    TableWriter writer = new TableWriter(fixture.catalog());
    Table flat =
        writer.createOrLoad(
            TableIdentifier.of("demo", "flat"), Orders.SCHEMA, PartitionSpec.unpartitioned());
    writer.append(
        flat,
        List.of(
            Orders.order(flat, 1, "eu", "NEW", BigDecimal.ONE, OCT_1.plusHours(23)),
            Orders.order(flat, 2, "eu", "NEW", BigDecimal.ONE, OCT_1.plusHours(25))));
    writer.append(
        flat, List.of(Orders.order(flat, 3, "eu", "NEW", BigDecimal.ONE, OCT_1.plusDays(3))));
    BackfillSpec spec =
        new BackfillSpec(
            new TableRef(fixture.name(), List.of("demo"), "flat"),
            null,
            emptyRange(),
            dayChunks(),
            "job",
            1,
            BackfillSpec.Order.OLDEST_FIRST,
            false,
            null,
            null);
    BackfillPlanner.Plan plan = planner.plan("bf-flat", spec, List.of(), true);
    assertThat(plan.chunks())
        .extracting(ChunkPlan::chunkId)
        .containsExactly("2026-10-01_2026-10-02", "2026-10-04");
  }

  @Test
  void badRequestsNameTheFieldAtFault() {
    assertField(spec(dayChunks(), "2026-10-20T00:00:00Z", "2026-10-10T00:00:00Z"), "range.to");
    assertField(spec(dayChunks(), "yesterday", "2026-10-10T00:00:00Z"), "range.from");
    assertField(
        spec(new BackfillSpec.Chunking("day", "nope", null, null), null, null), "chunking.field");
    assertField(
        spec(new BackfillSpec.Chunking("hour", "region", null, null), null, null),
        "chunking.field");
    assertField(
        spec(new BackfillSpec.Chunking("files", null, null, null), null, null),
        "chunking.maxFiles");
    BackfillPlanner smallLimit =
        new BackfillPlanner(() -> counting, "floe_icdc", Duration.ofDays(7), 10);
    assertThatThrownBy(
            () -> smallLimit.plan("bf-many", spec(dayChunks(), null, null), List.of(), true))
        .isInstanceOfSatisfying(
            PlanningException.class,
            e -> {
              assertThat(e.field()).isEqualTo("chunking");
              assertThat(e.getMessage()).contains("30 chunks", "limit of 10");
            });
    assertField(spec(dayChunks(), "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"), "range");
    BackfillSpec missing =
        new BackfillSpec(
            new TableRef(fixture.name(), List.of("demo"), "nope"),
            null,
            emptyRange(),
            dayChunks(),
            "job",
            1,
            BackfillSpec.Order.OLDEST_FIRST,
            false,
            null,
            null);
    assertThatThrownBy(() -> planner.plan("bf-x", missing, List.of(), true))
        .isInstanceOf(NoSuchTableException.class);
  }

  private static void assertRefused(BackfillSpec spec, String field) {
    assertThatThrownBy(() -> planner.plan("bf-refused", spec, List.of(), true))
        .isInstanceOfSatisfying(
            PlanningException.class, e -> assertThat(e.field()).isEqualTo(field));
  }

  private static void assertField(BackfillSpec spec, String field) {
    assertThatThrownBy(() -> planner.plan("bf-bad", spec, List.of(), true))
        .isInstanceOfSatisfying(
            PlanningException.class, e -> assertThat(e.field()).isEqualTo(field));
  }

  private static BackfillSpec.Chunking dayChunks() {
    return new BackfillSpec.Chunking("day", "order_ts", null, null);
  }

  private static BackfillSpec.Range emptyRange() {
    return new BackfillSpec.Range(null, null, null, null, null, null, null, null);
  }

  private static BackfillSpec spec(BackfillSpec.Chunking chunking, String from, String to) {
    BackfillSpec.Range range =
        from == null
            ? emptyRange()
            : new BackfillSpec.Range("order_ts", from, to, null, null, null, null, null);
    return new BackfillSpec(
        source,
        null,
        range,
        chunking,
        "job",
        3,
        BackfillSpec.Order.OLDEST_FIRST,
        false,
        null,
        null);
  }

  private static BackfillSpec withSpec(
      BackfillSpec s, BackfillSpec.Range range, BackfillSpec.Chunking chunking) {
    return new BackfillSpec(
        s.table(),
        s.captureId(),
        range,
        chunking,
        s.triggerId(),
        s.concurrency(),
        s.order(),
        s.propagate(),
        s.validation(),
        null);
  }

  private static BackfillSpec withOrder(BackfillSpec s, BackfillSpec.Order order) {
    return new BackfillSpec(
        s.table(),
        s.captureId(),
        s.range(),
        s.chunking(),
        s.triggerId(),
        s.concurrency(),
        order,
        s.propagate(),
        s.validation(),
        null);
  }

  private static List<Integer> range(int n) {
    List<Integer> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add(i);
    }
    return l;
  }
}
