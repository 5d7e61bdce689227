package dev.floe.stack.sql;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.duckdb.DuckDBAppender;

/**
 * How an Iceberg column is held in DuckDB: the column type, and how a value of Iceberg's generic
 * reader is appended. Primitive types map to their DuckDB equivalents; nested types (struct, list,
 * map) and types DuckDB lacks (variant, geometry) are held as their text, which is enough to look
 * at them. Pure and stateless.
 */
final class DuckDbTypes {
  private DuckDbTypes() {}

  /** The DuckDB column type for {@code type}. */
  static String columnType(Type type) {
    return switch (type.typeId()) {
      case BOOLEAN -> "BOOLEAN";
      case INTEGER -> "INTEGER";
      case LONG -> "BIGINT";
      case FLOAT -> "REAL";
      case DOUBLE -> "DOUBLE";
      case DECIMAL -> {
        Types.DecimalType decimal = (Types.DecimalType) type;
        yield "DECIMAL(" + decimal.precision() + ", " + decimal.scale() + ")";
      }
      case DATE -> "DATE";
      case TIME -> "TIME";
      case TIMESTAMP ->
          ((Types.TimestampType) type).shouldAdjustToUTC() ? "TIMESTAMPTZ" : "TIMESTAMP";
      // DuckDB keeps nanoseconds only without a zone: a zoned value is held to the microsecond.
      case TIMESTAMP_NANO ->
          ((Types.TimestampNanoType) type).shouldAdjustToUTC() ? "TIMESTAMPTZ" : "TIMESTAMP_NS";
      case STRING -> "VARCHAR";
      case UUID -> "UUID";
      case FIXED, BINARY -> "BLOB";
      default -> "VARCHAR";
    };
  }

  /** Appends {@code value}, a value of Iceberg's generic reader of {@code type}, or null. */
  static void append(DuckDBAppender appender, Type type, Object value) throws SQLException {
    if (value == null) {
      appender.appendNull();
      return;
    }
    switch (type.typeId()) {
      case BOOLEAN -> appender.append((boolean) (Boolean) value);
      case INTEGER -> appender.append((int) (Integer) value);
      case LONG -> appender.append((long) (Long) value);
      case FLOAT -> appender.append((float) (Float) value);
      case DOUBLE -> appender.append((double) (Double) value);
      case DECIMAL -> appender.append((BigDecimal) value);
      case DATE -> appender.append((LocalDate) value);
      case TIME -> appender.append((LocalTime) value);
      case TIMESTAMP, TIMESTAMP_NANO -> appendTimestamp(appender, type, value);
      case STRING -> appender.append(value.toString());
      case UUID -> appender.append((UUID) value);
      case FIXED -> appender.append((byte[]) value);
      case BINARY -> appender.append(bytes((ByteBuffer) value));
      default -> appender.append(value.toString());
    }
  }

  private static void appendTimestamp(DuckDBAppender appender, Type type, Object value)
      throws SQLException {
    if (value instanceof OffsetDateTime zoned) {
      appender.append(zoned.truncatedTo(ChronoUnit.MICROS));
    } else if (type.typeId() == Type.TypeID.TIMESTAMP_NANO) {
      LocalDateTime local = (LocalDateTime) value;
      long seconds = local.toEpochSecond(ZoneOffset.UTC);
      appender.appendEpochNanos(
          Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), local.getNano()));
    } else {
      appender.append((LocalDateTime) value);
    }
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return bytes;
  }
}
