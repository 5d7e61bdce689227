package dev.floe.capture.rows;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/**
 * Iceberg rows as Kafka Connect structs, typed the way Debezium's relational connectors type
 * columns with their default settings, so that sinks that read Debezium read these too:
 *
 * <table>
 *   <caption>Iceberg type to Connect schema</caption>
 *   <tr><th>Iceberg</th><th>Connect type</th><th>semantic name</th><th>value</th></tr>
 *   <tr><td>boolean, int, long, float, double, string</td><td>the same</td><td></td><td></td></tr>
 *   <tr><td>date</td><td>INT32</td><td>{@code io.debezium.time.Date}</td><td>days since the epoch</td></tr>
 *   <tr><td>time</td><td>INT64</td><td>{@code io.debezium.time.MicroTime}</td><td>microseconds past midnight</td></tr>
 *   <tr><td>timestamp</td><td>INT64</td><td>{@code io.debezium.time.MicroTimestamp}</td><td>microseconds since the epoch</td></tr>
 *   <tr><td>timestamptz</td><td>STRING</td><td>{@code io.debezium.time.ZonedTimestamp}</td><td>ISO-8601 in UTC</td></tr>
 *   <tr><td>timestamp_ns</td><td>INT64</td><td>{@code io.debezium.time.NanoTimestamp}</td><td>nanoseconds since the epoch</td></tr>
 *   <tr><td>timestamptz_ns</td><td>STRING</td><td>{@code io.debezium.time.ZonedTimestamp}</td><td>ISO-8601 in UTC</td></tr>
 *   <tr><td>decimal(p, s)</td><td>BYTES</td><td>{@code org.apache.kafka.connect.data.Decimal}</td><td>unscaled, as Connect encodes it</td></tr>
 *   <tr><td>uuid</td><td>STRING</td><td>{@code io.debezium.data.Uuid}</td><td></td></tr>
 *   <tr><td>binary, fixed</td><td>BYTES</td><td></td><td></td></tr>
 *   <tr><td>struct, list, map</td><td>STRUCT, ARRAY, MAP</td><td></td><td>recursively</td></tr>
 * </table>
 *
 * Other types (variant, geometry) travel as their string form.
 */
public final class ConnectRows {
  public static final String DATE = "io.debezium.time.Date";
  public static final String MICRO_TIME = "io.debezium.time.MicroTime";
  public static final String MICRO_TIMESTAMP = "io.debezium.time.MicroTimestamp";
  public static final String NANO_TIMESTAMP = "io.debezium.time.NanoTimestamp";
  public static final String ZONED_TIMESTAMP = "io.debezium.time.ZonedTimestamp";
  public static final String UUID = "io.debezium.data.Uuid";
  private static final DateTimeFormatter ZONED = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

  private ConnectRows() {}

  /** The schema of a row of {@code struct}, named {@code name}. */
  public static Schema schema(Types.StructType struct, String name, boolean optional) {
    SchemaBuilder builder = SchemaBuilder.struct().name(name);
    for (Types.NestedField field : struct.fields()) {
      builder.field(
          field.name(), schema(field.type(), name + "." + field.name(), field.isOptional()));
    }
    return optional ? builder.optional().build() : builder.build();
  }

  private static Schema schema(Type type, String name, boolean optional) {
    SchemaBuilder builder =
        switch (type.typeId()) {
          case BOOLEAN -> SchemaBuilder.bool();
          case INTEGER -> SchemaBuilder.int32();
          case LONG -> SchemaBuilder.int64();
          case FLOAT -> SchemaBuilder.float32();
          case DOUBLE -> SchemaBuilder.float64();
          case STRING -> SchemaBuilder.string();
          case DATE -> SchemaBuilder.int32().name(DATE).version(1);
          case TIME -> SchemaBuilder.int64().name(MICRO_TIME).version(1);
          case TIMESTAMP ->
              ((Types.TimestampType) type).shouldAdjustToUTC()
                  ? SchemaBuilder.string().name(ZONED_TIMESTAMP).version(1)
                  : SchemaBuilder.int64().name(MICRO_TIMESTAMP).version(1);
          case TIMESTAMP_NANO ->
              ((Types.TimestampNanoType) type).shouldAdjustToUTC()
                  ? SchemaBuilder.string().name(ZONED_TIMESTAMP).version(1)
                  : SchemaBuilder.int64().name(NANO_TIMESTAMP).version(1);
          case DECIMAL ->
              Decimal.builder(((Types.DecimalType) type).scale())
                  .parameter(
                      "connect.decimal.precision",
                      Integer.toString(((Types.DecimalType) type).precision()));
          case UUID -> SchemaBuilder.string().name(UUID).version(1);
          case BINARY, FIXED -> SchemaBuilder.bytes();
          case STRUCT -> {
            SchemaBuilder struct = SchemaBuilder.struct().name(name);
            for (Types.NestedField field : type.asStructType().fields()) {
              struct.field(
                  field.name(),
                  schema(field.type(), name + "." + field.name(), field.isOptional()));
            }
            yield struct;
          }
          case LIST ->
              SchemaBuilder.array(
                  schema(
                      type.asListType().elementType(),
                      name + ".element",
                      type.asListType().isElementOptional()));
          case MAP ->
              SchemaBuilder.map(
                  schema(type.asMapType().keyType(), name + ".key", false),
                  schema(
                      type.asMapType().valueType(),
                      name + ".value",
                      type.asMapType().isValueOptional()));
          default -> SchemaBuilder.string();
        };
    return optional ? builder.optional().build() : builder.build();
  }

  /** {@code row} as a struct of {@code schema}, which {@link #schema} built for its type. */
  public static Struct struct(Record row, Types.StructType type, Schema schema) {
    Struct struct = new Struct(schema);
    for (Types.NestedField field : type.fields()) {
      struct.put(
          field.name(),
          value(row.getField(field.name()), field.type(), schema.field(field.name()).schema()));
    }
    return struct;
  }

  private static Object value(Object value, Type type, Schema schema) {
    if (value == null) {
      return null;
    }
    return switch (type.typeId()) {
      case DATE -> (int) ((LocalDate) value).toEpochDay();
      case TIME -> ((LocalTime) value).toNanoOfDay() / 1_000;
      case TIMESTAMP, TIMESTAMP_NANO -> timestamp(value, type.typeId() == Type.TypeID.TIMESTAMP);
      case DECIMAL -> (BigDecimal) value;
      case UUID -> value.toString();
      case BINARY -> bytes((ByteBuffer) value);
      case FIXED -> value instanceof ByteBuffer buffer ? bytes(buffer) : value;
      case STRUCT -> struct((Record) value, type.asStructType(), schema);
      case LIST -> {
        List<Object> out = new ArrayList<>();
        for (Object element : (List<?>) value) {
          out.add(value(element, type.asListType().elementType(), schema.valueSchema()));
        }
        yield out;
      }
      case MAP -> {
        Map<Object, Object> out = new LinkedHashMap<>();
        ((Map<?, ?>) value)
            .forEach(
                (k, v) ->
                    out.put(
                        value(k, type.asMapType().keyType(), schema.keySchema()),
                        value(v, type.asMapType().valueType(), schema.valueSchema())));
        yield out;
      }
      case BOOLEAN, INTEGER, LONG, FLOAT, DOUBLE, STRING -> value;
      default -> value.toString();
    };
  }

  private static Object timestamp(Object value, boolean micros) {
    if (value instanceof OffsetDateTime at) {
      return ZONED.format(at.withOffsetSameInstant(ZoneOffset.UTC));
    }
    LocalDateTime at = (LocalDateTime) value;
    long seconds = at.toEpochSecond(ZoneOffset.UTC);
    return micros
        ? ChronoUnit.MICROS.between(LocalDateTime.ofEpochSecond(0, 0, ZoneOffset.UTC), at)
        : seconds * 1_000_000_000L + at.getNano();
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] out = new byte[copy.remaining()];
    copy.get(out);
    return out;
  }
}
