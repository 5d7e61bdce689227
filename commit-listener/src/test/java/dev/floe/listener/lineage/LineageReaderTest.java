package dev.floe.listener.lineage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.contracts.event.ListenerCheckpoint;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.event.SnapshotHistoryGap;
import dev.floe.contracts.event.TableDropped;
import dev.floe.contracts.event.TableEvent;
import dev.floe.contracts.event.TableLineageDiverged;
import dev.floe.contracts.event.TableRecreated;
import dev.floe.contracts.event.TableRolledBack;
import dev.floe.contracts.model.InitialPosition;
import dev.floe.contracts.model.TableRef;
import dev.floe.listener.watch.Watch;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The lineage rules, on real tables of a real (SQLite) catalog, without Kafka. */
@Tag("unit")
class LineageReaderTest {
  private static final OffsetDateTime TS =
      OffsetDateTime.of(2026, 11, 20, 8, 0, 0, 0, ZoneOffset.UTC);
  private static CatalogFixture fixture;
  private static TableWriter writer;

  private TableIdentifier id;
  private Table table;
  private Watch watch;
  private long nextOrder = 1;

  @BeforeAll
  static void catalog() {
    fixture = CatalogFixture.start(CatalogKind.SQLITE, FloeStack.workDir("lineage"));
    writer = new TableWriter(fixture.catalog());
  }

  @AfterAll
  static void close() {
    fixture.close();
  }

  @BeforeEach
  void table() {
    id = TableIdentifier.of("lineage", "t_" + UUID.randomUUID().toString().substring(0, 8));
    table = writer.createOrLoad(id, Orders.SCHEMA, Orders.BY_DAY);
    watch = watch(InitialPosition.EARLIEST, List.of("main"));
  }

  private Watch watch(InitialPosition position, List<String> branches) {
    return new Watch(
        new TableRef(fixture.name(), List.of("lineage"), id.name()),
        branches,
        position,
        Watch.Source.API);
  }

  private List<Record> rows(int n) {
    List<Record> rows = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(
          Orders.order(table, nextOrder++, "eu-west", "NEW", BigDecimal.TEN, TS.plusMinutes(i)));
    }
    return rows;
  }

  private Snapshot append() {
    return writer.append(table, rows(2));
  }

  private PollResult read(ListenerCheckpoint checkpoint) {
    Table current = fixture.catalog().tableExists(id) ? fixture.catalog().loadTable(id) : null;
    return LineageReader.read(watch, current, checkpoint, Instant.now());
  }

  private static List<Long> committedIds(PollResult result) {
    return result.events().stream()
        .filter(SnapshotCommitted.class::isInstance)
        .map(e -> ((SnapshotCommitted) e).snapshotId())
        .toList();
  }

  @Test
  void shouldPublishTheWholeRetainedLineageOldestFirstForANewTable() {
    Snapshot s1 = append();
    Snapshot s2 = append();
    Snapshot s3 = append();

    PollResult result = read(null);

    assertThat(committedIds(result))
        .containsExactly(s1.snapshotId(), s2.snapshotId(), s3.snapshotId());
    SnapshotCommitted first = (SnapshotCommitted) result.events().get(0);
    assertThat(first.parentSnapshotId()).isNull();
    assertThat(first.operation()).isEqualTo("append");
    assertThat(first.summary()).containsEntry("added-records", "2");
    assertThat(first.manifestList()).isEqualTo(s1.manifestListLocation());
    assertThat(first.metadataLocation()).endsWith(".metadata.json");
    assertThat(first.tableUuid()).isEqualTo(table.uuid().toString());
    assertThat(result.checkpoint().head("main").snapshotId()).isEqualTo(s3.snapshotId());
  }

  @Test
  void shouldOnlyRecordTheStartingPointWhenWatchingFromLatest() {
    append();
    Snapshot s2 = append();
    watch = watch(InitialPosition.LATEST, List.of("main"));

    PollResult result = read(null);

    assertThat(result.events()).isEmpty();
    assertThat(result.checkpointChanged()).isTrue();
    assertThat(result.checkpoint().head("main").snapshotId()).isEqualTo(s2.snapshotId());
  }

  @Test
  void shouldPublishOnlyTheCommitsAfterTheCheckpointAndNothingTwice() {
    append();
    PollResult first = read(null);
    Snapshot s2 = append();
    Snapshot s3 = writer.compact(table);

    PollResult second = read(first.checkpoint());
    PollResult third = read(second.checkpoint());

    assertThat(committedIds(second)).containsExactly(s2.snapshotId(), s3.snapshotId());
    assertThat(((SnapshotCommitted) second.events().get(1)).operation()).isEqualTo("replace");
    assertThat(third.events()).isEmpty();
    assertThat(third.checkpointChanged()).isFalse();
  }

  @Test
  void shouldReportARollbackWithTheSnapshotsThatLeftTheLineage() {
    Snapshot s1 = append();
    Snapshot s2 = append();
    Snapshot s3 = append();
    PollResult published = read(null);

    writer.rollbackTo(table, s1.snapshotId());
    PollResult result = read(published.checkpoint());

    assertThat(result.events()).hasSize(1);
    TableRolledBack rollback = (TableRolledBack) result.events().get(0);
    assertThat(rollback.fromSnapshotId()).isEqualTo(s3.snapshotId());
    assertThat(rollback.toSnapshotId()).isEqualTo(s1.snapshotId());
    assertThat(rollback.rolledBackSnapshotIds()).containsExactly(s3.snapshotId(), s2.snapshotId());
    assertThat(result.checkpoint().head("main").snapshotId()).isEqualTo(s1.snapshotId());
  }

  @Test
  void shouldReportADivergenceAndPublishOnlyTheNewBranchOfHistory() {
    Snapshot s1 = append();
    Snapshot s2 = append();
    PollResult published = read(null);

    Snapshot s3 = writer.rollbackAndAppend(table, s1.snapshotId(), rows(1));
    PollResult result = read(published.checkpoint());

    TableLineageDiverged diverged = (TableLineageDiverged) result.events().get(0);
    assertThat(diverged.previousHeadSnapshotId()).isEqualTo(s2.snapshotId());
    assertThat(diverged.newHeadSnapshotId()).isEqualTo(s3.snapshotId());
    assertThat(diverged.commonAncestorSnapshotId()).isEqualTo(s1.snapshotId());
    assertThat(diverged.abandonedSnapshotIds()).containsExactly(s2.snapshotId());
    assertThat(committedIds(result)).containsExactly(s3.snapshotId());
  }

  @Test
  void shouldReportExpiredHistoryAsAGapAndPublishWhatRemains() {
    Snapshot s1 = append();
    PollResult published = read(null);

    List<Long> ids = writer.appendThenExpire(table, List.of(rows(1), rows(1), rows(1)));
    PollResult result = read(published.checkpoint());

    SnapshotHistoryGap gap = (SnapshotHistoryGap) result.events().get(0);
    assertThat(gap.lastPublishedSnapshotId()).isEqualTo(s1.snapshotId());
    assertThat(gap.firstAvailableSnapshotId()).isEqualTo(ids.get(2));
    assertThat(gap.lastLostSnapshotId()).isEqualTo(ids.get(1));
    assertThat(gap.reason()).isEqualTo("expired");
    assertThat(committedIds(result)).containsExactly(ids.get(2));
  }

  @Test
  void shouldPublishWithoutAGapWhenOnlyThePublishedSnapshotItselfExpired() {
    Snapshot s1 = append();
    PollResult published = read(null);
    List<Long> ids = writer.appendThenExpire(table, List.of(rows(1), rows(1)));
    table.refresh();
    table.expireSnapshots().expireSnapshotId(s1.snapshotId()).cleanExpiredFiles(false).commit();
    PollResult afterFirst = read(published.checkpoint());

    assertThat(afterFirst.events()).first().isInstanceOf(SnapshotHistoryGap.class);
    assertThat(committedIds(afterFirst)).containsExactly(ids.get(1));
  }

  @Test
  void shouldReportADroppedTableOnceAndARecreatedOneWithAllItsHistory() {
    append();
    PollResult published = read(null);
    String oldUuid = table.uuid().toString();

    fixture.catalog().dropTable(id, false);
    PollResult dropped = read(published.checkpoint());
    PollResult stillDropped = read(dropped.checkpoint());
    table = writer.createOrLoad(id, Orders.SCHEMA, Orders.BY_DAY);
    Snapshot fresh = append();
    PollResult recreated = read(stillDropped.checkpoint());

    assertThat(dropped.events()).singleElement().isInstanceOf(TableDropped.class);
    assertThat(dropped.checkpoint().dropped()).isTrue();
    assertThat(stillDropped.events()).isEmpty();
    TableEvent first = recreated.events().get(0);
    assertThat(first).isInstanceOf(TableRecreated.class);
    assertThat(((TableRecreated) first).previousTableUuid()).isEqualTo(oldUuid);
    assertThat(((TableRecreated) first).tableUuid()).isEqualTo(table.uuid().toString());
    assertThat(committedIds(recreated)).containsExactly(fresh.snapshotId());
    assertThat(recreated.checkpoint().dropped()).isFalse();
  }

  @Test
  void shouldFollowOptedInBranchesSeparately() {
    Snapshot main = append();
    watch = watch(InitialPosition.EARLIEST, List.of("main", "audit"));
    PollResult published = read(null);

    Snapshot audited = writer.appendToBranch(table, "audit", rows(1));
    PollResult result = read(published.checkpoint());

    assertThat(result.events())
        .singleElement()
        .satisfies(
            e -> {
              SnapshotCommitted committed = (SnapshotCommitted) e;
              assertThat(committed.branch()).isEqualTo("audit");
              assertThat(committed.snapshotId()).isEqualTo(audited.snapshotId());
              assertThat(committed.parentSnapshotId()).isEqualTo(main.snapshotId());
            });
    assertThat(result.checkpoint().head("main").snapshotId()).isEqualTo(main.snapshotId());
  }

  @Test
  void shouldPublishNothingForATableThatNeverExisted() {
    fixture.catalog().dropTable(id, false);

    PollResult result = read(null);

    assertThat(result.events()).isEmpty();
    assertThat(result.hasWork()).isFalse();
  }
}
