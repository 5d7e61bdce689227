package dev.floe.capture.rows;

import dev.floe.contracts.topic.Topics;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

/**
 * A consumer of the row stream that no part of Floe wrote: Kafka Connect's {@link JsonConverter}
 * reads each record, as a Debezium sink would, and the changes are applied to a multiset of rows.
 * Checks the transaction markers on the way, and that each tombstone follows the delete of its key.
 */
public final class RowStreamReplay {
  private final Schema schema;
  private final JsonConverter values = new JsonConverter();
  private final JsonConverter keys = new JsonConverter();
  private final Map<List<Object>, Integer> rows = new HashMap<>();
  private final Map<String, Integer> ops = new HashMap<>();
  private String open;
  private long inTransaction;
  private String lastDeleteKey;
  private int tombstones;

  public RowStreamReplay(Schema schema) {
    this.schema = schema;
    values.configure(Map.of("schemas.enable", "true"), false);
    keys.configure(Map.of("schemas.enable", "true"), true);
  }

  /** A decoded data event. */
  public record Change(
      String op, Record before, Record after, Struct source, Struct transaction, Struct key) {}

  /**
   * Applies one record of the rows or transactions topic; returns the data event, if it was one.
   */
  public Change apply(String topic, String key, byte[] value) {
    String deleted = lastDeleteKey;
    lastDeleteKey = null;
    if (value == null) {
      if (key == null || !key.equals(deleted)) {
        throw new AssertionError("a tombstone for " + key + " after the delete of " + deleted);
      }
      tombstones++;
      return null;
    }
    Struct envelope = (Struct) values.toConnectData(topic, value).value();
    if (topic.startsWith(Topics.TRANSACTIONS_PREFIX) || topic.startsWith(Topics.CAPTURE_PREFIX)) {
      transaction(envelope);
      return null;
    }
    if (open == null) {
      throw new AssertionError("a row event outside a transaction");
    }
    String op = envelope.getString("op");
    if (op.equals("d")) {
      lastDeleteKey = key;
    }
    Record before = record(envelope.getStruct("before"));
    Record after = record(envelope.getStruct("after"));
    switch (op) {
      case "c", "r" -> add(after);
      case "d" -> remove(before);
      case "u" -> {
        remove(before);
        add(after);
      }
      default -> throw new AssertionError("unknown op " + op);
    }
    ops.merge(op, 1, Integer::sum);
    inTransaction++;
    Struct transaction = envelope.getStruct("transaction");
    if (!open.equals(transaction.getString("id"))
        || transaction.getInt64("total_order") != inTransaction) {
      throw new AssertionError("transaction block " + transaction + " in " + open);
    }
    Struct keyStruct =
        key == null
            ? null
            : (Struct) keys.toConnectData(topic, key.getBytes(StandardCharsets.UTF_8)).value();
    return new Change(op, before, after, envelope.getStruct("source"), transaction, keyStruct);
  }

  /** The {@code source} block of a row event, without applying it. */
  public Struct source(String topic, byte[] value) {
    return ((Struct) values.toConnectData(topic, value).value()).getStruct("source");
  }

  /** The {@code op} of a row event, without applying it. */
  public String op(String topic, byte[] value) {
    return ((Struct) values.toConnectData(topic, value).value()).getString("op");
  }

  private void transaction(Struct event) {
    String status = event.getString("status");
    String id = event.getString("id");
    if (status.equals("BEGIN")) {
      if (open != null) {
        throw new AssertionError("BEGIN " + id + " inside " + open);
      }
      open = id;
      inTransaction = 0;
    } else if (status.equals("END")) {
      if (!id.equals(open)) {
        throw new AssertionError("END " + id + " does not close " + open);
      }
      long count = event.getInt64("event_count");
      long collectionCount = 0;
      for (Object collection : event.getArray("data_collections")) {
        collectionCount += ((Struct) collection).getInt64("event_count");
      }
      if (count != inTransaction || collectionCount != inTransaction) {
        throw new AssertionError(
            "END " + id + " counts " + count + "/" + collectionCount + ", saw " + inTransaction);
      }
      open = null;
    } else {
      throw new AssertionError("unknown status " + status);
    }
  }

  /** How many tombstones were read. */
  public int tombstones() {
    return tombstones;
  }

  public boolean inTransaction() {
    return open != null;
  }

  /** The replayed rows, each as many times as it occurs. */
  public List<Record> rows() {
    List<Record> out = new ArrayList<>();
    rows.forEach(
        (values, count) -> {
          for (int i = 0; i < count; i++) {
            GenericRecord row = GenericRecord.create(schema);
            for (int f = 0; f < values.size(); f++) {
              row.set(f, values.get(f));
            }
            out.add(row);
          }
        });
    return out;
  }

  public Map<String, Integer> ops() {
    return ops;
  }

  private void add(Record row) {
    rows.merge(values(row), 1, Integer::sum);
  }

  private void remove(Record row) {
    List<Object> values = values(row);
    Integer count = rows.get(values);
    if (count == null) {
      throw new AssertionError("deleting a row that is not there: " + row);
    }
    if (count == 1) {
      rows.remove(values);
    } else {
      rows.put(values, count - 1);
    }
  }

  /**
   * The row's values in column order, without the columns a delete filter adds: a scan with deletes
   * hands back {@code _pos} too.
   */
  public static List<Object> values(Record row) {
    List<Object> values = new ArrayList<>();
    for (int i = 0; i < row.size(); i++) {
      if (row.struct().fields().get(i).name().startsWith("_")) {
        continue;
      }
      Object v = row.get(i);
      values.add(v instanceof ByteBuffer b ? b.duplicate() : v);
    }
    return values;
  }

  /** A Connect struct back into an Iceberg row, undoing {@link ConnectRows}. */
  private Record record(Struct struct) {
    if (struct == null) {
      return null;
    }
    GenericRecord row = GenericRecord.create(schema);
    for (Types.NestedField field : schema.columns()) {
      row.setField(field.name(), value(struct.get(field.name()), field));
    }
    return row;
  }

  private static Object value(Object value, Types.NestedField field) {
    if (value == null) {
      return null;
    }
    return switch (field.type().typeId()) {
      case DATE -> LocalDate.ofEpochDay((Integer) value);
      case TIME -> LocalTime.ofNanoOfDay((Long) value * 1_000);
      case TIMESTAMP ->
          ((Types.TimestampType) field.type()).shouldAdjustToUTC()
              ? OffsetDateTime.parse((String) value).withOffsetSameInstant(ZoneOffset.UTC)
              : LocalDateTime.ofEpochSecond(
                  Math.floorDiv((Long) value, 1_000_000L),
                  (int) Math.floorMod((Long) value, 1_000_000L) * 1_000,
                  ZoneOffset.UTC);
      case DECIMAL -> (BigDecimal) value;
      case BINARY -> ByteBuffer.wrap((byte[]) value);
      default -> value;
    };
  }
}
