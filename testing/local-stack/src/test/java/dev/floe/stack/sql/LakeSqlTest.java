package dev.floe.stack.sql;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.iceberg.FileContent;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Plain SQL over real table states: a format-2 orders table on a SQLite JdbcCatalog with real
 * Parquet, tagged before and after a merge-on-read delete (position delete files), read at each tag
 * as Spark's {@code VERSION AS OF} would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class LakeSqlTest {
  private static final OffsetDateTime DAY1 =
      OffsetDateTime.of(2026, 11, 24, 9, 30, 0, 0, ZoneOffset.UTC);
  private static final TableIdentifier ORDERS = TableIdentifier.of("demo", "orders");
  private static final Set<Long> CANCELLED = Set.of(3L, 7L, 12L);

  private Path home;
  private CatalogFixture catalog;
  private String before;
  private String after;
  private long afterSnapshotId;

  @BeforeAll
  void writeOrdersThenDeleteTheCancelledOnesByPosition() {
    home = FloeStack.workDir("lake-sql");
    // Laid out as the local stack lays out its catalog, so the command can open it with --home.
    catalog = CatalogFixture.start(CatalogKind.SQLITE, home.resolve("catalog"));
    TableWriter writer = new TableWriter(catalog.catalog());
    Table table = writer.createOrLoad(ORDERS, Orders.SCHEMA, Orders.BY_DAY);
    List<Record> rows = new ArrayList<>();
    for (long id = 1; id <= 15; id++) {
      // Two days: two data files, so the deletes hit more than one file.
      OffsetDateTime ts = DAY1.plusDays(id > 10 ? 1 : 0).plusMinutes(id);
      String status = CANCELLED.contains(id) ? "CANCELLED" : "PAID";
      rows.add(Orders.order(table, id, "eu-west", status, BigDecimal.valueOf(id * 10 + 0.5), ts));
    }
    Snapshot appended = writer.append(table, rows);
    before = tag(table, "change-" + appended.snapshotId(), appended);

    Snapshot deleted = writer.deleteRowsByPosition(table, Expressions.equal("status", "CANCELLED"));
    List<FileContent> added = new ArrayList<>();
    deleted.addedDeleteFiles(table.io()).forEach(f -> added.add(f.content()));
    assertThat(added).hasSize(2).containsOnly(FileContent.POSITION_DELETES);
    assertThat(liveDataFiles(table, deleted)).isEqualTo(2);
    afterSnapshotId = deleted.snapshotId();
    after = tag(table, "change-" + deleted.snapshotId(), deleted);
  }

  private static String tag(Table table, String name, Snapshot snapshot) {
    table.manageSnapshots().createTag(name, snapshot.snapshotId()).commit();
    return name;
  }

  /** The data files of the snapshot: merge-on-read keeps them all and adds delete files. */
  private static int liveDataFiles(Table table, Snapshot snapshot) {
    int files = 0;
    try (CloseableIterable<FileScanTask> tasks =
        table.newScan().useSnapshot(snapshot.snapshotId()).planFiles()) {
      for (FileScanTask ignored : tasks) {
        files++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  @AfterAll
  void closeCatalog() {
    catalog.close();
  }

  private long count(String sql) {
    try (LakeSql lake = new LakeSql(catalog.catalog())) {
      return lake.query(
          sql,
          result -> {
            result.next();
            return result.getLong(1);
          });
    }
  }

  private List<Long> ids(String sql) {
    try (LakeSql lake = new LakeSql(catalog.catalog())) {
      return lake.query(
          sql,
          result -> {
            List<Long> ids = new ArrayList<>();
            while (result.next()) {
              ids.add(result.getLong(1));
            }
            return ids;
          });
    }
  }

  @Test
  void eachTagCountsTheRowsOfItsStateWithThePositionDeletesApplied() {
    assertThat(count("SELECT count(*) FROM lake.demo.orders VERSION AS OF '" + before + "'"))
        .isEqualTo(15);
    assertThat(count("SELECT count(*) FROM lake.demo.orders VERSION AS OF '" + after + "'"))
        .isEqualTo(12);
    assertThat(count("SELECT count(*) FROM demo.orders")).isEqualTo(12);
    assertThat(count("SELECT count(*) FROM demo.orders FOR VERSION AS OF " + afterSnapshotId))
        .isEqualTo(12);
  }

  @Test
  void exceptAllBetweenTheTwoTagsGivesExactlyTheDeletedRows() {
    List<Long> removed =
        ids(
            "SELECT order_id FROM (SELECT * FROM lake.demo.orders VERSION AS OF '"
                + before
                + "' EXCEPT ALL SELECT * FROM lake.demo.orders VERSION AS OF '"
                + after
                + "') ORDER BY order_id");

    assertThat(removed).containsExactly(3L, 7L, 12L);
  }

  @Test
  void valuesReadBackWithTheirIcebergTypes() {
    try (LakeSql lake = new LakeSql(catalog.catalog())) {
      List<String> row =
          lake.query(
              "SELECT typeof(order_id), typeof(amount), typeof(order_ts), CAST(amount AS VARCHAR),"
                  + " epoch_ms(order_ts), note IS NULL FROM demo.orders o WHERE o.order_id = 2",
              result -> {
                result.next();
                List<String> values = new ArrayList<>();
                for (int c = 1; c <= 6; c++) {
                  values.add(result.getString(c));
                }
                return values;
              });

      assertThat(row)
          .containsExactly(
              "BIGINT",
              "DECIMAL(12,2)",
              "TIMESTAMP WITH TIME ZONE",
              "20.50",
              String.valueOf(DAY1.plusMinutes(2).toInstant().toEpochMilli()),
              "true");
    }
  }

  @Test
  void everyPrimitiveIcebergTypeReadsBackAsItsDuckDbType() {
    Schema schema =
        new Schema(
            optional(1, "i", Types.IntegerType.get()),
            optional(2, "l", Types.LongType.get()),
            optional(3, "s", Types.StringType.get()),
            optional(4, "b", Types.BooleanType.get()),
            optional(5, "d", Types.DoubleType.get()),
            optional(6, "f", Types.FloatType.get()),
            optional(7, "dec", Types.DecimalType.of(20, 4)),
            optional(8, "dt", Types.DateType.get()),
            optional(9, "tm", Types.TimeType.get()),
            optional(10, "ts", Types.TimestampType.withoutZone()),
            optional(11, "tstz", Types.TimestampType.withZone()),
            optional(12, "bin", Types.BinaryType.get()),
            optional(13, "fix", Types.FixedType.ofLength(2)),
            optional(14, "u", Types.UUIDType.get()),
            optional(15, "tags", Types.ListType.ofOptional(16, Types.StringType.get())));
    TableWriter writer = new TableWriter(catalog.catalog());
    Table table =
        writer.createOrLoad(
            TableIdentifier.of("it", "types"), schema, PartitionSpec.unpartitioned());
    Record row = GenericRecord.create(schema);
    row.setField("i", 7);
    row.setField("l", 1_234_567_890_123L);
    row.setField("s", "héllo");
    row.setField("b", true);
    row.setField("d", 2.5d);
    row.setField("f", 1.25f);
    row.setField("dec", new BigDecimal("12345678901234.5678"));
    row.setField("dt", LocalDate.of(2026, 11, 24));
    row.setField("tm", LocalTime.of(10, 15, 30, 123_456_000));
    row.setField("ts", LocalDateTime.of(2026, 11, 24, 10, 15, 30, 123_456_000));
    row.setField("tstz", OffsetDateTime.of(2026, 11, 24, 10, 15, 30, 123_456_000, ZoneOffset.UTC));
    row.setField("bin", ByteBuffer.wrap(new byte[] {1, 2, 3}));
    row.setField("fix", new byte[] {(byte) 0xca, (byte) 0xfe});
    row.setField("u", UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e"));
    row.setField("tags", List.of("a", "b"));
    writer.append(table, List.of(row, GenericRecord.create(schema)));

    String columns = "i, l, s, b, d, f, dec, dt, tm, ts, tstz, bin, fix, u, tags";
    List<String> types = firstRow("SELECT " + typeofEach(columns) + " FROM it.types LIMIT 1");
    List<String> values =
        firstRow(
            "SELECT "
                + columns.replace("tstz", "epoch_us(tstz)")
                + " FROM it.types WHERE i IS NOT NULL");
    long nulls =
        count(
            "SELECT count(*) FROM it.types WHERE "
                + columns.replace(", ", " IS NULL AND ")
                + " IS NULL");

    assertThat(types)
        .containsExactly(
            "INTEGER",
            "BIGINT",
            "VARCHAR",
            "BOOLEAN",
            "DOUBLE",
            "FLOAT",
            "DECIMAL(20,4)",
            "DATE",
            "TIME",
            "TIMESTAMP",
            "TIMESTAMP WITH TIME ZONE",
            "BLOB",
            "BLOB",
            "UUID",
            "VARCHAR");
    assertThat(values)
        .containsExactly(
            "7",
            "1234567890123",
            "héllo",
            "true",
            "2.5",
            "1.25",
            "12345678901234.5678",
            "2026-11-24",
            "10:15:30.123456",
            "2026-11-24 10:15:30.123456",
            String.valueOf(
                OffsetDateTime.of(2026, 11, 24, 10, 15, 30, 123_456_000, ZoneOffset.UTC)
                            .toEpochSecond()
                        * 1_000_000L
                    + 123_456L),
            "\\x01\\x02\\x03",
            "\\xCA\\xFE",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "[a, b]");
    assertThat(nulls).isEqualTo(1);
  }

  private static String typeofEach(String columns) {
    return String.join(
        ", ", Arrays.stream(columns.split(", ")).map(c -> "typeof(" + c + ")").toList());
  }

  private List<String> firstRow(String sql) {
    try (LakeSql lake = new LakeSql(catalog.catalog())) {
      return lake.query(
          sql,
          result -> {
            result.next();
            List<String> values = new ArrayList<>();
            for (int c = 1; c <= result.getMetaData().getColumnCount(); c++) {
              values.add(result.getString(c));
            }
            return values;
          });
    }
  }

  @Test
  void unknownTagIsAnErrorNamingTheTagsThatExist() {
    try (LakeSql lake = new LakeSql(catalog.catalog())) {
      assertThatThrownBy(
              () -> lake.print("SELECT * FROM demo.orders VERSION AS OF 'change-1'", 10, null))
          .isInstanceOf(LakeSqlException.class)
          .hasMessageContaining("demo.orders has no tag or branch 'change-1'")
          .hasMessageContaining("newest first: " + after + ", main, " + before);
    }
  }

  @Test
  void unknownTableIsAnErrorNamingTheTablesOfItsNamespace() {
    try (LakeSql lake = new LakeSql(catalog.catalog())) {
      assertThatThrownBy(() -> lake.print("SELECT * FROM lake.demo.order", 10, null))
          .isInstanceOf(LakeSqlException.class)
          .hasMessage("lake has no table demo.order; tables in demo: orders");
    }
  }

  @Test
  void commandPrintsAnAlignedTableAndSaysHowManyRowsItLeftOut() {
    Output output =
        command(
            "--max-rows",
            "2",
            "SELECT order_id, status, amount FROM demo.orders VERSION AS OF '"
                + before
                + "' ORDER BY order_id;");

    assertThat(output.status()).isZero();
    assertThat(output.out().lines().toList())
        .containsExactly(
            "order_id | status | amount",
            "---------+--------+-------",
            "       1 | PAID   |  10.50",
            "       2 | PAID   |  20.50",
            "... 13 more rows not shown (--max-rows 2)",
            "(15 rows)");
    assertThat(output.err()).isEmpty();
  }

  @Test
  void timestampsWithZonePrintAsDuckDbWritesThemNotAsJavaDoes() {
    Output output =
        command(
            "SELECT order_ts, CAST(order_ts AS VARCHAR) AS duckdb FROM demo.orders"
                + " WHERE order_id = 1");

    List<String> cells = List.of(output.out().lines().toList().get(2).split(" \\| "));
    assertThat(cells).hasSize(2);
    assertThat(cells.get(0)).isEqualTo(cells.get(1)).doesNotContain("T").contains(":31:00");
  }

  @Test
  void commandExitsWithStatusTwoAndOneLineForAnUnknownTag() {
    Output output = command("SELECT * FROM demo.orders VERSION AS OF 'removed-1'");

    assertThat(output.status()).isEqualTo(2);
    assertThat(output.out()).isEmpty();
    assertThat(output.err())
        .startsWith("floe-local sql: demo.orders has no tag or branch 'removed-1'")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }

  @Test
  void commandExitsWithStatusTwoWhenTheHomeHasNoCatalog() {
    Output output = run(new String[] {"--home", home.resolve("nowhere").toString(), "SELECT 1"});

    assertThat(output.status()).isEqualTo(2);
    assertThat(output.err())
        .contains("no local stack catalog at")
        .contains("deploy/bin/floe-local");
  }

  private Output command(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--home";
    all[1] = home.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return run(all);
  }

  private static Output run(String[] args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        LakeSqlCommand.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Output(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private record Output(int status, String out, String err) {}
}
