package dev.floe.capture.rows;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.bindings.kafka.KafkaDebeziumSinkRecord;
import io.debezium.data.Envelope;
import io.debezium.schema.SchemaFactory;
import io.debezium.schema.SchemaNameAdjuster;
import io.debezium.sink.SinkConnectorConfig;
import io.debezium.transforms.ExtractNewRecordState;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Reads row-stream records with Debezium's own code, as a Kafka Connect sink worker would: Kafka
 * Connect's {@code JsonConverter}, then Debezium's {@code ExtractNewRecordState} in its default,
 * {@code rewrite} and {@code drop} modes, and Debezium's sink-side reader ({@code
 * KafkaDebeziumSinkRecord}, as its JDBC sink reads a record). Asserts that the envelope, {@code
 * source}, {@code transaction} and transaction-metadata schemas equal what Debezium's own builders
 * ({@code Envelope}, {@code SchemaFactory}) make. A table's identifier field must be {@code id} or
 * {@code order_id}.
 */
final class DebeziumChecks {
  private final JsonConverter keys = new JsonConverter();
  private final JsonConverter values = new JsonConverter();

  DebeziumChecks() {
    keys.configure(Map.of("schemas.enable", "true"), true);
    values.configure(Map.of("schemas.enable", "true"), false);
  }

  /** The record a sink task is handed: key and value through {@code JsonConverter}. */
  SinkRecord read(String topic, String key, byte[] value, long offset) {
    SchemaAndValue k =
        key == null
            ? SchemaAndValue.NULL
            : keys.toConnectData(topic, key.getBytes(StandardCharsets.UTF_8));
    SchemaAndValue v = values.toConnectData(topic, value);
    return new SinkRecord(topic, 0, k.schema(), k.value(), v.schema(), v.value(), offset);
  }

  /**
   * Checks one record with Debezium's tools.
   *
   * @param transactions whether it is from the transactions topic
   * @return what it was: {@code BEGIN}, {@code END}, {@code tombstone} or the event's {@code op}
   */
  String check(SinkRecord record, boolean transactions) {
    if (transactions) {
      checkTransactionEvent(record);
      return ((Struct) record.value()).getString("status");
    }
    if (record.value() == null) {
      checkTombstone(record);
      return "tombstone";
    }
    Struct value = (Struct) record.value();
    String op = value.getString("op");
    checkEnvelope(record, value);
    checkFlattened(record, op);
    checkSinkRecord(record, op);
    return op;
  }

  /** The BEGIN or END of a transaction, against Debezium's transaction-metadata schemas. */
  private static void checkTransactionEvent(SinkRecord record) {
    SchemaFactory debezium = SchemaFactory.get();
    assertThat(record.keySchema())
        .isEqualTo(debezium.transactionKeySchema(SchemaNameAdjuster.NO_OP));
    assertThat(record.valueSchema())
        .isEqualTo(debezium.transactionValueSchema(SchemaNameAdjuster.NO_OP));
    Struct value = (Struct) record.value();
    if (value.getString("status").equals("BEGIN")) {
      assertThat(value.getInt64("event_count")).isNull();
      assertThat(value.getArray("data_collections")).isNull();
      return;
    }
    assertThat(value.getString("status")).isEqualTo("END");
    List<Object> collections = value.getArray("data_collections");
    long events = value.getInt64("event_count");
    // As Debezium, an END lists only the collections that had events.
    assertThat(collections).hasSize(events == 0 ? 0 : 1);
    if (events > 0) {
      assertThat(((Struct) collections.get(0)).getInt64("event_count")).isEqualTo(events);
    }
  }

  /** Debezium's tombstone: the key, no value and no value schema. */
  private static void checkTombstone(SinkRecord record) {
    assertThat(record.key()).isNotNull();
    assertThat(record.valueSchema()).isNull();
    assertThat(new KafkaDebeziumSinkRecord(record, null).isTombstone()).isTrue();
    for (String mode : List.of("tombstone", "rewrite", "drop")) {
      assertThat(unwrap(mode).apply(record))
          .as("ExtractNewRecordState in mode %s drops Debezium's tombstone", mode)
          .isNull();
    }
    assertThat(unwrap("rewrite-with-tombstone").apply(record)).isSameAs(record);
  }

  /** The envelope and its blocks, against the schemas Debezium's builders make. */
  private static void checkEnvelope(SinkRecord record, Struct value) {
    Schema row = record.valueSchema().field("after").schema();
    Schema source = value.getStruct("source").schema();
    // Debezium's common fields from its own builder; then the connector's own, as they are.
    SchemaBuilder builder = SchemaFactory.get().sourceInfoSchemaBuilder().name(source.name());
    Set<String> common = Set.copyOf(builder.fields().stream().map(Field::name).toList());
    source.fields().stream()
        .filter(f -> !common.contains(f.name()))
        .forEach(f -> builder.field(f.name(), f.schema()));
    Schema debeziumSource = builder.build();
    assertThat(source).as("the source block").isEqualTo(debeziumSource);
    Schema envelope =
        Envelope.defineSchema()
            .withName(record.valueSchema().name())
            .withRecord(row)
            .withSource(debeziumSource)
            .withTransaction(SchemaFactory.get().transactionBlockSchema())
            .build()
            .schema();
    assertThat(record.valueSchema()).as("the envelope").isEqualTo(envelope);
    assertThat(value.getStruct("transaction").schema())
        .isEqualTo(SchemaFactory.get().transactionBlockSchema());
    assertThat(Envelope.isEnvelopeSchema(record.valueSchema())).isTrue();
    assertThat(Envelope.Operation.forCode(value.getString("op"))).isNotNull();
    Struct block = value.getStruct("source");
    assertThat(block.getInt64("ts_us")).isEqualTo(block.getInt64("ts_ms") * 1_000L);
    assertThat(value.getInt64("ts_ns") / 1_000_000L).isEqualTo(value.getInt64("ts_ms"));
  }

  /** {@code ExtractNewRecordState} in its three delete modes, with fields added from the event. */
  private static void checkFlattened(SinkRecord record, String op) {
    Struct value = (Struct) record.value();
    Struct after = value.getStruct("after");
    Struct before = value.getStruct("before");

    SinkRecord flat = unwrap("tombstone").apply(record);
    SinkRecord rewritten = unwrap("rewrite").apply(record);
    SinkRecord dropped = unwrap("drop").apply(record);
    if (op.equals("d")) {
      assertThat(flat.value()).as("the default mode makes a delete a null value").isNull();
      assertThat(flat.key()).isEqualTo(record.key());
      Struct old = (Struct) rewritten.value();
      assertThat(old.getString("__deleted")).isEqualTo("true");
      assertThat(id(old)).isEqualTo(id(before));
      assertThat(dropped).isNull();
      return;
    }
    Struct state = (Struct) flat.value();
    for (var field : after.schema().fields()) {
      assertThat(state.get(field.name())).as(field.name()).isEqualTo(after.get(field));
    }
    assertThat(state.getString("__op")).isEqualTo(op);
    assertThat(state.getString("__table")).isEqualTo(value.getStruct("source").getString("table"));
    assertThat(state.getInt64("__snapshot_id"))
        .isEqualTo(value.getStruct("source").getInt64("snapshot_id"));
    assertThat(state.getInt64("__source_ts_ms"))
        .isEqualTo(value.getStruct("source").getInt64("ts_ms"));
    assertThat(((Struct) rewritten.value()).getString("__deleted")).isEqualTo("false");
    assertThat(id((Struct) dropped.value())).isEqualTo(id(after));
  }

  /** Debezium's sink-side reader, on the envelope and on the flattened record. */
  private static void checkSinkRecord(SinkRecord record, String op) {
    KafkaDebeziumSinkRecord sink = new KafkaDebeziumSinkRecord(record, null);
    assertThat(sink.isDebeziumMessage()).isTrue();
    assertThat(sink.isFlattened()).isFalse();
    assertThat(sink.isTombstone()).isFalse();
    assertThat(sink.isTruncate()).isFalse();
    assertThat(sink.isDelete()).isEqualTo(op.equals("d"));
    Struct image = ((Struct) record.value()).getStruct(op.equals("d") ? "before" : "after");
    assertThat(sink.getPayload()).isEqualTo(image);
    Struct key = sink.getFilteredKey(SinkConnectorConfig.PrimaryKeyMode.RECORD_KEY, Set.of(), null);
    assertThat(id(key)).isEqualTo(id(image));

    KafkaDebeziumSinkRecord flat =
        new KafkaDebeziumSinkRecord(unwrap("tombstone").apply(record), null);
    assertThat(flat.isDelete()).isEqualTo(op.equals("d"));
    if (!op.equals("d")) {
      assertThat(flat.isFlattened()).isTrue();
      assertThat(id(flat.getPayload())).isEqualTo(id(image));
    }
  }

  private static ExtractNewRecordState<SinkRecord> unwrap(String mode) {
    ExtractNewRecordState<SinkRecord> transform = new ExtractNewRecordState<>();
    transform.configure(
        Map.of(
            "delete.tombstone.handling.mode",
            mode,
            "add.fields",
            "op,table,snapshot_id,source.ts_ms"));
    return transform;
  }

  private static long id(Struct row) {
    return row.schema().field("id") != null ? row.getInt64("id") : row.getInt64("order_id");
  }
}
