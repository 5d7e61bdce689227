package dev.floe.capture.rows;

import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
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
 * floe.rows.<namespace>.<table>}, between a BEGIN and an END on {@code
 * floe.transactions.<namespace>.<table>}. Keys and values are JSON with schemas, written by Kafka
 * Connect's {@link JsonConverter} as Debezium's JSON output is.
 *
 * <p>Every data event carries Debezium's {@code transaction} block (the snapshot's transaction id,
 * its order in the snapshot) and a {@code source} block naming the catalog, table, snapshot id,
 * parent, sequence number and Iceberg operation. The transaction id is {@code
 * <table-uuid>:<snapshot-id>}.
 *
 * <p>Not thread-safe: the converters cache schemas. One per capture loop.
 */
public final class RowStream {
  /** The {@code connector} of every {@code source} block. */
  public static final String CONNECTOR = "floe-iceberg";

  static final Schema SOURCE =
      SchemaBuilder.struct()
          .name("dev.floe.rows.Source")
          .field("version", Schema.STRING_SCHEMA)
          .field("connector", Schema.STRING_SCHEMA)
          .field("name", Schema.STRING_SCHEMA)
          .field("ts_ms", Schema.INT64_SCHEMA)
          .field("snapshot", Schema.OPTIONAL_STRING_SCHEMA)
          .field("db", Schema.STRING_SCHEMA)
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
          .name("event.block")
          .version(1)
          .optional()
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
          .name("io.debezium.connector.common.TransactionDataCollectionValue")
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

  /**
   * The events of one snapshot: BEGIN, its row changes in order, END. For an initial snapshot, the
   * changes are {@link RowChange.Op#READ} rows of {@code snapshot}.
   *
   * @param captureId named in every {@code source} block
   * @param ref the source table, naming the topics
   */
  public List<RowEvent> events(
      String captureId, TableRef ref, Table table, Snapshot snapshot, List<RowChange> changes) {
    String rowsTopic = Topics.rows(ref);
    String transactionsTopic = Topics.rowTransactions(ref);
    String transaction = transactionId(table, snapshot.snapshotId());
    String collection = new IcebergTableId(ref).identifier();
    org.apache.iceberg.Schema icebergSchema = RowChanges.schemaOf(table, snapshot);
    Types.StructType rowType = icebergSchema.asStruct();
    Schema valueSchema = ConnectRows.schema(rowType, rowsTopic + ".Value", true);
    Schema envelope =
        SchemaBuilder.struct()
            .name(rowsTopic + ".Envelope")
            .field("before", valueSchema)
            .field("after", valueSchema)
            .field("source", SOURCE)
            .field("transaction", TRANSACTION_BLOCK)
            .field("op", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
            .build();
    List<String> keyNames = RowChanges.keyNames(icebergSchema);
    Types.StructType keyType = Types.StructType.of(keyNames.stream().map(rowType::field).toList());
    Schema keySchema =
        keyNames.isEmpty() ? null : ConnectRows.schema(keyType, rowsTopic + ".Key", false);

    boolean initial = !changes.isEmpty() && changes.get(0).op() == RowChange.Op.READ;
    Struct source = source(captureId, ref, table, snapshot, initial ? "true" : "false");
    Struct lastSource = initial ? source(captureId, ref, table, snapshot, "last") : source;
    long now = clock.millis();
    List<RowEvent> events = new ArrayList<>(changes.size() + 2);
    events.add(transactionEvent(transactionsTopic, "BEGIN", transaction, null, collection, now));
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
      value.put("source", order == changes.size() ? lastSource : source);
      value.put(
          "transaction",
          new Struct(TRANSACTION_BLOCK)
              .put("id", transaction)
              .put("total_order", order)
              .put("data_collection_order", order));
      value.put("op", change.op().code());
      value.put("ts_ms", now);
      String key = null;
      if (keySchema != null) {
        org.apache.iceberg.data.Record row =
            change.after() != null ? change.after() : change.before();
        key = json(keys, rowsTopic, keySchema, ConnectRows.struct(row, keyType, keySchema));
      }
      events.add(new RowEvent(key, values.fromConnectData(rowsTopic, envelope, value), rowsTopic));
    }
    events.add(transactionEvent(transactionsTopic, "END", transaction, order, collection, now));
    return events;
  }

  /**
   * @param marker Debezium's {@code snapshot} field: {@code true} for the rows of an initial
   *     snapshot, {@code last} for its last row, {@code false} for changes
   */
  private Struct source(
      String captureId, TableRef ref, Table table, Snapshot snapshot, String marker) {
    return new Struct(SOURCE)
        .put("version", version)
        .put("connector", CONNECTOR)
        .put("name", captureId)
        .put("ts_ms", snapshot.timestampMillis())
        .put("snapshot", marker)
        .put("db", ref.catalog())
        .put("schema", String.join(".", ref.namespace()))
        .put("table", ref.name())
        .put("table_uuid", table.uuid().toString())
        .put("snapshot_id", snapshot.snapshotId())
        .put("parent_snapshot_id", snapshot.parentId())
        .put("sequence_number", snapshot.sequenceNumber())
        .put("operation", snapshot.operation());
  }

  private RowEvent transactionEvent(
      String topic, String status, String id, Long count, String collection, long now) {
    Struct value =
        new Struct(TRANSACTION_VALUE).put("status", status).put("id", id).put("ts_ms", now);
    if (count != null) {
      value.put("event_count", count);
      value.put(
          "data_collections",
          List.of(
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
