package dev.floe.trigger.decide;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.Locale;

/**
 * Compares bounds in the canonical string form of a {@code FieldRange}, by the field's Iceberg type
 * name: numbers as numbers, dates and timestamps as instants, strings as strings.
 */
final class FieldValues {
  private FieldValues() {}

  /** An order for values of {@code type}, or null when the type has none Floe knows. */
  static Comparator<String> order(String type) {
    String t = type.toLowerCase(Locale.ROOT);
    if (t.equals("int") || t.equals("long") || t.startsWith("decimal")) {
      return Comparator.comparing(BigDecimal::new);
    }
    if (t.equals("float") || t.equals("double")) {
      return Comparator.comparing(Double::valueOf);
    }
    if (t.equals("date")) {
      return Comparator.comparing(LocalDate::parse);
    }
    if (t.equals("timestamptz") || t.equals("timestamptz_ns")) {
      return Comparator.comparing(FieldValues::instant);
    }
    if (t.equals("timestamp") || t.equals("timestamp_ns")) {
      return Comparator.comparing(LocalDateTime::parse);
    }
    if (t.equals("time")) {
      return Comparator.comparing(LocalTime::parse);
    }
    if (t.equals("string") || t.equals("uuid")) {
      return Comparator.naturalOrder();
    }
    return null;
  }

  private static Instant instant(String value) {
    return OffsetDateTime.parse(value).toInstant();
  }
}
