package dev.floe.icdc;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * Bound values of a field, in Iceberg's internal representation (days, microseconds, unscaled
 * longs…), and their canonical strings on the wire: ISO-8601 for dates, times and timestamps
 * (timestamps with zone in UTC with {@code Z}), plain notation for numbers, the value for strings.
 */
public final class Bounds {
  private Bounds() {}

  /** Whether ranges of this type can be reported; binary values cannot. */
  public static boolean supported(Type.PrimitiveType type) {
    return switch (type.typeId()) {
      case BINARY, FIXED, GEOMETRY, GEOGRAPHY, UNKNOWN, VARIANT -> false;
      default -> true;
    };
  }

  public static Object decode(Type.PrimitiveType type, ByteBuffer buffer) {
    return Conversions.fromByteBuffer(type, buffer);
  }

  /** The canonical string of an internal value. */
  public static String format(Type.PrimitiveType type, Object value) {
    return switch (type.typeId()) {
      case DATE -> LocalDate.ofEpochDay(((Number) value).longValue()).toString();
      case TIME -> LocalTime.ofNanoOfDay(((Number) value).longValue() * 1000).toString();
      case TIMESTAMP -> timestamp((Types.TimestampType) type, ((Number) value).longValue() * 1000);
      case TIMESTAMP_NANO ->
          timestamp(
              ((Types.TimestampNanoType) type).shouldAdjustToUTC(), ((Number) value).longValue());
      case DECIMAL -> ((BigDecimal) value).toPlainString();
      case STRING -> value.toString();
      default -> String.valueOf(value);
    };
  }

  /** The internal value of a canonical string: the inverse of {@link #format}. */
  public static Object parse(Type.PrimitiveType type, String text) {
    return switch (type.typeId()) {
      case BOOLEAN -> Boolean.parseBoolean(text);
      case INTEGER -> Integer.parseInt(text);
      case LONG -> Long.parseLong(text);
      case FLOAT -> Float.parseFloat(text);
      case DOUBLE -> Double.parseDouble(text);
      case DATE -> Math.toIntExact(LocalDate.parse(text).toEpochDay());
      case TIME -> LocalTime.parse(text).toNanoOfDay() / 1000;
      case TIMESTAMP ->
          Math.floorDiv(nanos(((Types.TimestampType) type).shouldAdjustToUTC(), text), 1000L);
      case TIMESTAMP_NANO -> nanos(((Types.TimestampNanoType) type).shouldAdjustToUTC(), text);
      case DECIMAL -> new BigDecimal(text);
      case STRING -> text;
      case UUID -> java.util.UUID.fromString(text);
      default -> throw new IllegalArgumentException("ranges of " + type + " are not reported");
    };
  }

  /**
   * A value of {@code text} for an Iceberg expression on a field of {@code type}. Iceberg reads a
   * long as microseconds whatever the timestamp's precision, so nanosecond timestamps stay text,
   * which Iceberg parses itself.
   */
  public static Object literal(Type.PrimitiveType type, String text) {
    return type.typeId() == Type.TypeID.TIMESTAMP_NANO ? text : parse(type, text);
  }

  private static long nanos(boolean utc, String text) {
    Instant instant =
        utc ? Instant.parse(text) : LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
    return Math.addExact(
        Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
  }

  private static String timestamp(Types.TimestampType type, long nanos) {
    return timestamp(type.shouldAdjustToUTC(), nanos);
  }

  private static String timestamp(boolean utc, long nanos) {
    Instant instant =
        Instant.ofEpochSecond(
            Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    return utc ? instant.toString() : LocalDateTime.ofInstant(instant, ZoneOffset.UTC).toString();
  }

  /** A value as stored in a snapshot summary: its Iceberg single-value serialization, in hex. */
  public static String serialize(Type.PrimitiveType type, Object value) {
    ByteBuffer buffer = Conversions.toByteBuffer(type, value);
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  public static Object deserialize(Type.PrimitiveType type, String hex) {
    return Conversions.fromByteBuffer(type, ByteBuffer.wrap(HexFormat.of().parseHex(hex)));
  }
}
