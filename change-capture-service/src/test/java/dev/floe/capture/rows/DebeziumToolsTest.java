package dev.floe.capture.rows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.RowTransactionTopic;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.TableWriter;
import io.debezium.connector.SnapshotRecord;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.types.Types;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The row stream read by Debezium's own code, from Maven Central: every record, as Floe publishes
 * it, goes through Kafka Connect's {@code JsonConverter}, then Debezium's {@code
 * ExtractNewRecordState} in its default, {@code rewrite} and {@code drop} modes, and Debezium's
 * sink-side reader ({@code KafkaDebeziumSinkRecord}, as its JDBC sink reads a record). The
 * envelope, {@code source}, {@code transaction} and transaction-metadata schemas must equal what
 * Debezium's own builders ({@code Envelope}, {@code SchemaFactory}) make.
 *
 * <p>The table has a column of every kind Floe maps, on real Parquet: an initial snapshot, an
 * insert, an update, a delete and a compaction of a keyed table give {@code r}, {@code c}, {@code
 * u}, {@code d}, a tombstone and a transaction with no events.
 */
@Tag("unit")
class DebeziumToolsTest {
  private static final org.apache.iceberg.Schema WIDE =
      new org.apache.iceberg.Schema(
          List.of(
              Types.NestedField.required(1, "id", Types.LongType.get()),
              Types.NestedField.optional(2, "flag", Types.BooleanType.get()),
              Types.NestedField.optional(3, "quantity", Types.IntegerType.get()),
              Types.NestedField.optional(4, "ratio", Types.FloatType.get()),
              Types.NestedField.optional(5, "price", Types.DoubleType.get()),
              Types.NestedField.optional(6, "amount", Types.DecimalType.of(9, 2)),
              Types.NestedField.optional(7, "name", Types.StringType.get()),
              Types.NestedField.optional(8, "day", Types.DateType.get()),
              Types.NestedField.optional(9, "at_time", Types.TimeType.get()),
              Types.NestedField.optional(10, "at_local", Types.TimestampType.withoutZone()),
              Types.NestedField.optional(11, "at", Types.TimestampType.withZone()),
              Types.NestedField.optional(12, "ref", Types.UUIDType.get()),
              Types.NestedField.optional(13, "payload", Types.BinaryType.get()),
              Types.NestedField.optional(
                  14,
                  "address",
                  Types.StructType.of(
                      Types.NestedField.optional(15, "city", Types.StringType.get()),
                      Types.NestedField.optional(16, "zip", Types.IntegerType.get()))),
              Types.NestedField.optional(
                  17, "tags", Types.ListType.ofOptional(18, Types.StringType.get())),
              Types.NestedField.optional(
                  19,
                  "attrs",
                  Types.MapType.ofOptional(
                      20, 21, Types.StringType.get(), Types.IntegerType.get()))),
          Set.of(1));

  private static CatalogFixture fixture;
  private static TableWriter writer;

  @BeforeAll
  static void catalog() {
    fixture = CatalogFixture.start(CatalogKind.SQLITE, FloeStack.workDir("rows-debezium"));
    writer = new TableWriter(fixture.catalog());
  }

  @AfterAll
  static void close() {
    fixture.close();
  }

  @Test
  void debeziumsToolsReadEveryRecordAndItsBuildersMakeTheSameSchemas() {
    String name = "wide_" + UUID.randomUUID().toString().substring(0, 8);
    Table table =
        writer.createOrLoad(TableIdentifier.of("rows", name), WIDE, PartitionSpec.unpartitioned());
    TableRef ref = new TableRef(fixture.name(), List.of("rows"), name);
    Snapshot initial = writer.append(table, List.of(row(table, 1), row(table, 2), row(table, 4)));
    List<Snapshot> changes = new ArrayList<>();
    changes.add(writer.append(table, List.of(row(table, 3))));
    changes.add(
        writer.updateRows(
            table,
            Expressions.equal("id", 2L),
            r -> {
              r.setField("name", "renamed");
              return r;
            }));
    changes.add(writer.deleteRowsByPosition(table, Expressions.equal("id", 1L)));
    changes.add(writer.compact(table)); // no row changed: an END with no data collection
    table.refresh();

    CaptureDefined capture = capture(ref, RowTransactionTopic.CAPTURE);
    RowStream stream = new RowStream(Clock.systemUTC());
    List<RowEvent> events =
        new ArrayList<>(
            stream.events(
                capture, ref, table, initial, RowChanges.read(table, initial.snapshotId())));
    for (Snapshot change : changes) {
      events.addAll(
          stream.events(capture, ref, table, change, RowChanges.of(table, change.snapshotId())));
    }

    DebeziumChecks debezium = new DebeziumChecks();
    Map<String, Integer> seen = new HashMap<>();
    List<SnapshotRecord> markers = new ArrayList<>();
    long offset = 0;
    for (RowEvent event : events) {
      SinkRecord record = debezium.read(event.destination(), event.key(), event.value(), offset++);
      boolean transactions =
          event.destination().equals(Topics.captureTransactions(capture.captureId()));
      assertThat(transactions || event.destination().equals(Topics.rows(ref))).isTrue();
      seen.merge(debezium.check(record, transactions), 1, Integer::sum);
      if (transactions) {
        // BEGIN and END carry the commit time, as Debezium's carry the source transaction's.
        Struct marker = (Struct) record.value();
        String id = marker.getString("id");
        long snapshotId = Long.parseLong(id.substring(id.indexOf(':') + 1));
        assertThat(marker.getInt64("ts_ms"))
            .isEqualTo(table.snapshot(snapshotId).timestampMillis());
      }
      if (!transactions && record.value() != null) {
        markers.add(SnapshotRecord.fromSource(((Struct) record.value()).getStruct("source")));
      }
    }
    assertThat(seen)
        .as("every kind of record went through Debezium's tools")
        .containsEntry("BEGIN", 5)
        .containsEntry("END", 5)
        .containsEntry("r", 3)
        .containsEntry("c", 1)
        .containsEntry("u", 1)
        .containsEntry("d", 1)
        .containsEntry("tombstone", 1);
    assertThat(markers)
        .as("Debezium's SnapshotRecord reads the snapshot marker")
        .containsExactly(
            SnapshotRecord.FIRST,
            SnapshotRecord.TRUE,
            SnapshotRecord.LAST,
            SnapshotRecord.FALSE,
            SnapshotRecord.FALSE,
            SnapshotRecord.FALSE);
  }

  @Test
  void aCaptureCanTurnTombstonesOff() {
    String name = "quiet_" + UUID.randomUUID().toString().substring(0, 8);
    Table table =
        writer.createOrLoad(TableIdentifier.of("rows", name), WIDE, PartitionSpec.unpartitioned());
    TableRef ref = new TableRef(fixture.name(), List.of("rows"), name);
    writer.append(table, List.of(row(table, 1), row(table, 2)));
    Snapshot delete = writer.deleteRowsByPosition(table, Expressions.equal("id", 1L));
    RowStream stream = new RowStream(Clock.systemUTC());
    List<RowChange> changes = RowChanges.of(table, delete.snapshotId());

    List<RowEvent> defaults = stream.events(capture(ref, null), ref, table, delete, changes);
    CaptureDefined quiet = withoutTombstones(capture(ref, null));
    List<RowEvent> without = stream.events(quiet, ref, table, delete, changes);

    assertThat(defaults.stream().filter(e -> e.value() == null)).hasSize(1);
    assertThat(without.stream().filter(e -> e.value() == null)).isEmpty();
    assertThat(without).hasSize(defaults.size() - 1);
    assertThat(defaults.get(0).destination())
        .as("BEGIN and END on the table's transactions topic by default")
        .isEqualTo(Topics.rowTransactions(ref));
  }

  private static CaptureDefined capture(TableRef ref, RowTransactionTopic topic) {
    return new CaptureDefined(
        "wide",
        ref,
        "main",
        List.of(),
        List.of(ChangeKind.values()),
        new TableRef(ref.catalog(), List.of("floe_icdc"), ref.name()),
        Duration.ZERO,
        Duration.ofDays(7),
        Duration.ofDays(3),
        false,
        true,
        true,
        null,
        topic,
        "test",
        Instant.now());
  }

  private static CaptureDefined withoutTombstones(CaptureDefined c) {
    return new CaptureDefined(
        c.captureId(),
        c.table(),
        c.branch(),
        c.trackedFields(),
        c.changeKinds(),
        c.icdcTable(),
        c.coalesceWindow(),
        c.icdcTtl(),
        c.pinTtl(),
        c.exactRanges(),
        c.rowStream(),
        c.rowStreamSnapshot(),
        false,
        c.rowStreamTransactionTopic(),
        c.definedBy(),
        c.definedAt());
  }

  private static Record row(Table table, long id) {
    GenericRecord address = GenericRecord.create(WIDE.findType("address").asStructType());
    address.setField("city", "Lyon");
    address.setField("zip", 69000 + (int) id);
    return TableWriter.record(
        table,
        Map.ofEntries(
            Map.entry("id", id),
            Map.entry("flag", id % 2 == 0),
            Map.entry("quantity", (int) id * 10),
            Map.entry("ratio", 0.5f * id),
            Map.entry("price", 1.25 * id),
            Map.entry("amount", BigDecimal.valueOf(1000 + id, 2)),
            Map.entry("name", "row-" + id),
            Map.entry("day", LocalDate.of(2026, 12, 1).plusDays(id)),
            Map.entry("at_time", LocalTime.of(12, 30).plusSeconds(id)),
            Map.entry("at_local", LocalDateTime.of(2026, 12, 1, 8, 0).plusMinutes(id)),
            Map.entry(
                "at", OffsetDateTime.of(2026, 12, 1, 8, 0, 0, 0, ZoneOffset.UTC).plusHours(id)),
            Map.entry(
                "ref", UUID.nameUUIDFromBytes(("row-" + id).getBytes(StandardCharsets.UTF_8))),
            Map.entry("payload", ByteBuffer.wrap(new byte[] {1, 2, (byte) id})),
            Map.entry("address", address),
            Map.entry("tags", List.of("a", "b" + id)),
            Map.entry("attrs", Map.of("k", (int) id))));
  }
}
