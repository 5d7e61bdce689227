package dev.floe.capture.rows;

import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.model.RowTransactionTopic;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.types.Types;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

/**
 * A snapshot's row changes as Debezium change events: the records of {@code
 * floe.rows.<namespace>.<table>}, between a BEGIN and an END on the capture's transactions topic.
 * Keys and values are JSON with schemas, written by Kafka Connect's {@link JsonConverter} as
 * Debezium's JSON output is.
 *
 * <p>The schemas are Debezium 3's where Debezium defines them: the envelope (version 2, with {@code
 * ts_us} and {@code ts_ns}), the common fields of the {@code source} block (version 1, {@code
 * snapshot} as an {@code io.debezium.data.Enum}), the {@code transaction} block and the
 * transaction-metadata key and value. After the common fields, {@code source} names the catalog's
 * namespace and table, the table's UUID, the snapshot, its parent, its sequence number and its
 * Iceberg operation. The transaction id is {@code <table-uuid>:<snapshot-id>}.
 *
 * <p>Not thread-safe: the converters cache schemas. One per capture loop.
 */
public final class RowStream {
  /** The {@code connector} of every {@code source} block. */
  public static final String CONNECTOR = "floe-iceberg";

  /** Debezium's {@code SnapshotRecord} values, in its order, as its {@code snapshot} enum. */
  static final Schema SNAPSHOT_MARKER =
      SchemaBuilder.string()
          .name("io.debezium.data.Enum")
          .version(1)
          .parameter(
              "allowed",
              "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental")
          .defaultValue("false")
          .optional()
          .build();

  static final Schema SOURCE =
      SchemaBuilder.struct()
          .name("dev.floe.rows.Source")
          .version(1)
          .field("version", Schema.STRING_SCHEMA)
          .field("connector", Schema.STRING_SCHEMA)
          .field("name", Schema.STRING_SCHEMA)
          .field("ts_ms", Schema.INT64_SCHEMA)
          .field("snapshot", SNAPSHOT_MARKER)
          .field("db", Schema.STRING_SCHEMA)
          .field("sequence", Schema.OPTIONAL_STRING_SCHEMA)
          .field("ts_us", Schema.OPTIONAL_INT64_SCHEMA)
          .field("ts_ns", Schema.OPTIONAL_INT64_SCHEMA)
          .field("schema", Schema.STRING_SCHEMA)
          .field("table", Schema.STRING_SCHEMA)
          .field("table_uuid", Schema.STRING_SCHEMA)
          .field("snapshot_id", Schema.INT64_SCHEMA)
          .field("parent_snapshot_id", Schema.OPTIONAL_INT64_SCHEMA)
          .field("sequence_number", Schema.INT64_SCHEMA)
          .field("operation", Schema.OPTIONAL_STRING_SCHEMA)
          .build();

  static final Schema TRANSACTION_BLOCK =
      SchemaBuilder.struct()
          .optional()
          .name("event.block")
          .version(1)
          .field("id", Schema.STRING_SCHEMA)
          .field("total_order", Schema.INT64_SCHEMA)
          .field("data_collection_order", Schema.INT64_SCHEMA)
          .build();

  static final Schema TRANSACTION_KEY =
      SchemaBuilder.struct()
          .name("io.debezium.connector.common.TransactionMetadataKey")
          .version(1)
          .field("id", Schema.STRING_SCHEMA)
          .build();

  static final Schema DATA_COLLECTION =
      SchemaBuilder.struct()
          .optional()
          .name("event.collection")
          .version(1)
          .field("data_collection", Schema.STRING_SCHEMA)
          .field("event_count", Schema.INT64_SCHEMA)
          .build();

  static final Schema TRANSACTION_VALUE =
      SchemaBuilder.struct()
          .name("io.debezium.connector.common.TransactionMetadataValue")
          .version(1)
          .field("status", Schema.STRING_SCHEMA)
          .field("id", Schema.STRING_SCHEMA)
          .field("event_count", Schema.OPTIONAL_INT64_SCHEMA)
          .field("data_collections", SchemaBuilder.array(DATA_COLLECTION).optional().build())
          .field("ts_ms", Schema.INT64_SCHEMA)
          .build();

  /** The version of Debezium's envelope schema these events follow. */
  static final int ENVELOPE_VERSION = 2;

  private final JsonConverter keys = converter(true);
  private final JsonConverter values = converter(false);
  private final Clock clock;
  private final String version;

  public RowStream(Clock clock) {
    this.clock = clock;
    String implementation = RowStream.class.getPackage().getImplementationVersion();
    this.version = implementation == null ? "dev" : implementation;
  }

  /** The transaction id of a snapshot's row changes. */
  public static String transactionId(Table table, long snapshotId) {
    return table.uuid() + ":" + snapshotId;
  }

  /** The topic of a capture's BEGIN and END events, as its definition asks. */
  public static String transactionsTopic(CaptureDefined capture) {
    return capture.rowStreamTransactionTopic() == RowTransactionTopic.CAPTURE
        ? Topics.captureTransactions(capture.captureId())
        : Topics.rowTransactions(capture.table());
  }

  /**
   * The events of one snapshot: BEGIN, its row changes in order, END; a tombstone follows each
   * delete of a keyed table when the capture asks for them. For an initial snapshot, the changes
   * are {@link RowChange.Op#READ} rows of {@code snapshot}.
   *
   * @param capture names every {@code source} block and chooses tombstones and the transactions
   *     topic
   * @param ref the source table, naming the rows topic
   */
  public List<RowEvent> events(
      CaptureDefined capture,
      TableRef ref,
      Table table,
      Snapshot snapshot,
      List<RowChange> changes) {
    String rowsTopic = Topics.rows(ref);
    String transactionsTopic = transactionsTopic(capture);
    String transaction = transactionId(table, snapshot.snapshotId());
    String collection = new IcebergTableId(ref).identifier();
    org.apache.iceberg.Schema icebergSchema = RowChanges.schemaOf(table, snapshot);
    Types.StructType rowType = icebergSchema.asStruct();
    Schema valueSchema = ConnectRows.schema(rowType, rowsTopic + ".Value", true);
    Schema envelope = envelope(rowsTopic + ".Envelope", valueSchema);
    List<String> keyNames = RowChanges.keyNames(icebergSchema);
    Types.StructType keyType = Types.StructType.of(keyNames.stream().map(rowType::field).toList());
    Schema keySchema =
        keyNames.isEmpty() ? null : ConnectRows.schema(keyType, rowsTopic + ".Key", false);

    boolean initial = !changes.isEmpty() && changes.get(0).op() == RowChange.Op.READ;
    Instant now = clock.instant();
    long committedAt = snapshot.timestampMillis();
    List<RowEvent> events = new ArrayList<>(changes.size() + 2);
    events.add(
        transactionEvent(transactionsTopic, "BEGIN", transaction, 0, collection, committedAt));
    long order = 0;
    for (RowChange change : changes) {
      order++;
      Struct value = new Struct(envelope);
      if (change.before() != null) {
        value.put("before", ConnectRows.struct(change.before(), rowType, valueSchema));
      }
      if (change.after() != null) {
        value.put("after", ConnectRows.struct(change.after(), rowType, valueSchema));
      }
      String marker = initial ? marker(order, changes.size()) : "false";
      value.put("source", source(capture.captureId(), ref, table, snapshot, marker));
      value.put(
          "transaction",
          new Struct(TRANSACTION_BLOCK)
              .put("id", transaction)
              .put("total_order", order)
              .put("data_collection_order", order));
      value.put("op", change.op().code());
      value.put("ts_ms", now.toEpochMilli());
      value.put("ts_us", ChronoUnit.MICROS.between(Instant.EPOCH, now));
      value.put("ts_ns", ChronoUnit.NANOS.between(Instant.EPOCH, now));
      String key = null;
      if (keySchema != null) {
        org.apache.iceberg.data.Record row =
            change.after() != null ? change.after() : change.before();
        key = json(keys, rowsTopic, keySchema, ConnectRows.struct(row, keyType, keySchema));
      }
      events.add(new RowEvent(key, values.fromConnectData(rowsTopic, envelope, value), rowsTopic));
      if (key != null && change.op() == RowChange.Op.DELETE && capture.rowStreamTombstones()) {
        events.add(new RowEvent(key, null, rowsTopic));
      }
    }
    events.add(
        transactionEvent(transactionsTopic, "END", transaction, order, collection, committedAt));
    return events;
  }

  /** Debezium's envelope: the row schema twice, the blocks, the operation and the times. */
  static Schema envelope(String name, Schema valueSchema) {
    return SchemaBuilder.struct()
        .name(name)
        .version(ENVELOPE_VERSION)
        .field("before", valueSchema)
        .field("after", valueSchema)
        .field("source", SOURCE)
        .field("transaction", TRANSACTION_BLOCK)
        .field("op", Schema.STRING_SCHEMA)
        .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
        .field("ts_us", Schema.OPTIONAL_INT64_SCHEMA)
        .field("ts_ns", Schema.OPTIONAL_INT64_SCHEMA)
        .build();
  }

  /**
   * Debezium's {@code snapshot} marker of an initial snapshot's row: {@code first}, then {@code
   * true}, and {@code last} on the last one (a table of one row has only {@code last}).
   */
  private static String marker(long order, int count) {
    if (order == count) {
      return "last";
    }
    return order == 1 ? "first" : "true";
  }

  private Struct source(
      String captureId, TableRef ref, Table table, Snapshot snapshot, String marker) {
    long millis = snapshot.timestampMillis();
    return new Struct(SOURCE)
        .put("version", version)
        .put("connector", CONNECTOR)
        .put("name", captureId)
        .put("ts_ms", millis)
        .put("snapshot", marker)
        .put("db", ref.catalog())
        .put("ts_us", millis * 1_000L)
        .put("ts_ns", millis * 1_000_000L)
        .put("schema", String.join(".", ref.namespace()))
        .put("table", ref.name())
        .put("table_uuid", table.uuid().toString())
        .put("snapshot_id", snapshot.snapshotId())
        .put("parent_snapshot_id", snapshot.parentId())
        .put("sequence_number", snapshot.sequenceNumber())
        .put("operation", snapshot.operation());
  }

  /**
   * A BEGIN (with no count) or an END, stamped with the commit time as Debezium stamps them with
   * the source transaction's. An END lists the table only when the snapshot changed rows of it.
   */
  private RowEvent transactionEvent(
      String topic, String status, String id, long count, String collection, long committedAt) {
    Struct value =
        new Struct(TRANSACTION_VALUE).put("status", status).put("id", id).put("ts_ms", committedAt);
    if (status.equals("END")) {
      value.put("event_count", count);
      value.put(
          "data_collections",
          count == 0
              ? List.of()
              : List.of(
                  new Struct(DATA_COLLECTION)
                      .put("data_collection", collection)
                      .put("event_count", count)));
    }
    String key = json(keys, topic, TRANSACTION_KEY, new Struct(TRANSACTION_KEY).put("id", id));
    return new RowEvent(key, values.fromConnectData(topic, TRANSACTION_VALUE, value), topic);
  }

  private static String json(JsonConverter converter, String topic, Schema schema, Struct value) {
    return new String(converter.fromConnectData(topic, schema, value), StandardCharsets.UTF_8);
  }

  private static JsonConverter converter(boolean isKey) {
    JsonConverter converter = new JsonConverter();
    converter.configure(Map.of("schemas.enable", "true"), isKey);
    return converter;
  }
}
