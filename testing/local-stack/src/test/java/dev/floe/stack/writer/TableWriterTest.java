package dev.floe.stack.writer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.test.FloeStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.FileContent;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The test-data writer produces every kind of commit, with real Parquet statistics, on each of the
 * three real catalogs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class TableWriterTest {
  private static final OffsetDateTime DAY1 =
      OffsetDateTime.of(2026, 11, 24, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final OffsetDateTime DAY2 = DAY1.plusDays(1);

  private final List<CatalogFixture> catalogs = new ArrayList<>();

  @BeforeAll
  void startCatalogs() {
    for (CatalogKind kind : CatalogKind.values()) {
      catalogs.add(CatalogFixture.start(kind, FloeStack.workDir("writer-" + kind)));
    }
  }

  @AfterAll
  void stopCatalogs() {
    catalogs.forEach(CatalogFixture::close);
  }

  private TableWriter writer(CatalogKind kind) {
    return new TableWriter(catalogs.get(kind.ordinal()).catalog());
  }

  private static Table newOrdersTable(TableWriter writer) {
    TableIdentifier id =
        TableIdentifier.of("it", "orders_" + UUID.randomUUID().toString().substring(0, 8));
    return writer.createOrLoad(id, Orders.SCHEMA, Orders.BY_DAY);
  }

  private static List<Record> orders(
      Table table, long firstId, int count, OffsetDateTime day, String status) {
    List<Record> rows = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      rows.add(
          Orders.order(
              table,
              firstId + i,
              "eu-west",
              status,
              BigDecimal.valueOf(10 + i),
              day.plusMinutes(i)));
    }
    return rows;
  }

  private static Set<Long> orderIds(Table table) {
    Set<Long> ids = new TreeSet<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
      rows.forEach(r -> ids.add((Long) r.getField("order_id")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ids;
  }

  @ParameterizedTest
  @EnumSource(CatalogKind.class)
  void appendWritesOneParquetFilePerPartitionWithColumnBounds(CatalogKind kind) {
    TableWriter writer = writer(kind);
    Table table = newOrdersTable(writer);

    List<Record> rows = new ArrayList<>(orders(table, 1, 10, DAY1, "NEW"));
    rows.addAll(orders(table, 100, 5, DAY2, "PAID"));
    Snapshot snapshot = writer.append(table, rows);

    assertThat(snapshot.operation()).isEqualTo(DataOperations.APPEND);
    assertThat(snapshot.summary())
        .containsEntry("added-data-files", "2")
        .containsEntry("added-records", "15");
    List<DataFile> files = new ArrayList<>();
    snapshot.addedDataFiles(table.io()).forEach(files::add);
    assertThat(files).allSatisfy(f -> assertThat(f.location()).endsWith(".parquet"));
    DataFile day1 = files.stream().filter(f -> f.recordCount() == 10).findFirst().orElseThrow();
    int idField = table.schema().findField("order_id").fieldId();
    assertThat(bound(day1.lowerBounds().get(idField))).isEqualTo(1L);
    assertThat(bound(day1.upperBounds().get(idField))).isEqualTo(10L);
    assertThat(day1.partition().get(0, Integer.class))
        .isEqualTo((int) DAY1.toLocalDate().toEpochDay());
    assertThat(orderIds(table)).hasSize(15);
  }

  private static long bound(ByteBuffer buffer) {
    return Conversions.fromByteBuffer(Types.LongType.get(), buffer);
  }

  @ParameterizedTest
  @EnumSource(CatalogKind.class)
  void overwriteReplacesAPartitionAndDeleteRemovesOne(CatalogKind kind) {
    TableWriter writer = writer(kind);
    Table table = newOrdersTable(writer);
    writer.append(table, orders(table, 1, 4, DAY1, "NEW"));
    writer.append(table, orders(table, 100, 3, DAY2, "NEW"));

    Snapshot overwrite =
        writer.overwrite(
            table,
            Expressions.equal(Expressions.day("order_ts"), (int) DAY1.toLocalDate().toEpochDay()),
            orders(table, 50, 2, DAY1, "PAID"));
    assertThat(overwrite.operation()).isEqualTo(DataOperations.OVERWRITE);
    assertThat(overwrite.summary())
        .containsEntry("deleted-records", "4")
        .containsEntry("added-records", "2");
    assertThat(orderIds(table)).containsExactly(50L, 51L, 100L, 101L, 102L);

    Snapshot delete =
        writer.deleteFiles(
            table,
            Expressions.equal(Expressions.day("order_ts"), (int) DAY2.toLocalDate().toEpochDay()));
    assertThat(delete.operation()).isEqualTo(DataOperations.DELETE);
    assertThat(delete.summary()).containsEntry("deleted-data-files", "1");
    assertThat(orderIds(table)).containsExactly(50L, 51L);
  }

  @ParameterizedTest
  @EnumSource(CatalogKind.class)
  void rowLevelDeletesAddDeleteFilesAndKeepDataFiles(CatalogKind kind) {
    TableWriter writer = writer(kind);
    Table table = newOrdersTable(writer);
    writer.append(table, orders(table, 1, 6, DAY1, "NEW"));
    writer.append(table, orders(table, 10, 2, DAY2, "CANCELLED"));

    Snapshot byPosition =
        writer.deleteRowsByPosition(table, Expressions.equal("status", "CANCELLED"));
    assertThat(byPosition.operation()).isEqualTo(DataOperations.DELETE);
    assertThat(byPosition.summary()).containsEntry("added-position-deletes", "2");
    assertThat(byPosition.summary()).doesNotContainKey("deleted-data-files");
    assertThat(deleteContents(byPosition, table)).containsExactly(FileContent.POSITION_DELETES);

    Snapshot byEquality = writer.deleteRowsByEquality(table, "order_id", List.of(2L, 3L));
    assertThat(byEquality.operation()).isEqualTo(DataOperations.DELETE);
    assertThat(byEquality.summary()).containsEntry("added-equality-deletes", "2");
    assertThat(deleteContents(byEquality, table)).containsExactly(FileContent.EQUALITY_DELETES);

    assertThat(orderIds(table)).containsExactly(1L, 4L, 5L, 6L);
  }

  private static List<FileContent> deleteContents(Snapshot snapshot, Table table) {
    List<FileContent> contents = new ArrayList<>();
    snapshot.addedDeleteFiles(table.io()).forEach(f -> contents.add(f.content()));
    return contents;
  }

  @ParameterizedTest
  @EnumSource(CatalogKind.class)
  void compactionRewritesFilesWithoutLogicalChange(CatalogKind kind) {
    TableWriter writer = writer(kind);
    Table table = newOrdersTable(writer);
    writer.append(table, orders(table, 1, 3, DAY1, "NEW"));
    writer.append(table, orders(table, 4, 3, DAY1, "NEW"));
    writer.deleteRowsByPosition(table, Expressions.equal("order_id", 2L));
    Set<Long> before = orderIds(table);

    Snapshot replace = writer.compact(table);

    assertThat(replace.operation()).isEqualTo(DataOperations.REPLACE);
    assertThat(replace.summary())
        .containsEntry("deleted-data-files", "2")
        .containsEntry("added-data-files", "1")
        .containsEntry("removed-delete-files", "1")
        .containsEntry("total-records", "5");
    assertThat(orderIds(table)).isEqualTo(before).hasSize(5);
  }

  @ParameterizedTest
  @EnumSource(CatalogKind.class)
  void rollbackMovesTheBranchToAnAncestor(CatalogKind kind) {
    TableWriter writer = writer(kind);
    TableIdentifier id =
        TableIdentifier.of("it", "rollback_" + UUID.randomUUID().toString().substring(0, 8));
    Table table = writer.createOrLoad(id, Orders.SCHEMA, Orders.BY_DAY);
    Snapshot first = writer.append(table, orders(table, 1, 2, DAY1, "NEW"));
    writer.append(table, orders(table, 3, 2, DAY1, "NEW"));

    Snapshot current = writer.rollbackTo(table, first.snapshotId());

    assertThat(current.snapshotId()).isEqualTo(first.snapshotId());
    Table reloaded = catalogs.get(kind.ordinal()).catalog().loadTable(id);
    assertThat(reloaded.currentSnapshot().snapshotId()).isEqualTo(first.snapshotId());
    assertThat(orderIds(reloaded)).containsExactly(1L, 2L);
  }

  @ParameterizedTest
  @EnumSource(CatalogKind.class)
  void schemaAndSpecEvolutionApplyToLaterCommits(CatalogKind kind) {
    TableWriter writer = writer(kind);
    Table table = newOrdersTable(writer);
    writer.append(table, orders(table, 1, 2, DAY1, "NEW"));

    writer.evolveSchema(table, u -> u.addColumn("channel", Types.StringType.get()));
    writer.evolveSpec(table, u -> u.addField("region"));
    Record row = Orders.order(table, 9, "us-east", "NEW", BigDecimal.ONE, DAY2);
    row.setField("channel", "web");
    Snapshot after = writer.append(table, List.of(row));

    assertThat(table.schema().findField("channel")).isNotNull();
    assertThat(table.spec().fields()).hasSize(2);
    DataFile file = after.addedDataFiles(table.io()).iterator().next();
    assertThat(file.specId()).isEqualTo(table.spec().specId()).isNotZero();
    assertThat(file.partition().get(1, String.class)).isEqualTo("us-east");
    assertThat(orderIds(table)).containsExactly(1L, 2L, 9L);
  }
}
