package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * The minimum and maximum of one tracked field over a change. Bounds are strings in a canonical
 * form per type so that no consumer loses precision: ISO-8601 for {@code date}, {@code timestamp}
 * and {@code timestamptz} (UTC, with {@code Z}), plain decimal notation for numbers and decimals,
 * and the value itself for strings.
 *
 * @param field the field's name in the source schema
 * @param fieldId the Iceberg field id, stable across renames
 * @param type the Iceberg type, as Iceberg prints it ({@code long}, {@code decimal(12, 2)}, …)
 * @param min the lower bound; null when {@code exactness} is {@code unknown}
 * @param max the upper bound; null when {@code exactness} is {@code unknown}
 * @param exactness whether the bounds are exact, truncated or unknown
 */
public record FieldRange(
    @JsonProperty(required = true) String field,
    @JsonProperty(required = true) int fieldId,
    @JsonProperty(required = true) String type,
    String min,
    String max,
    @JsonProperty(required = true) Exactness exactness) {

  public FieldRange {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(exactness, "exactness");
    if (exactness != Exactness.UNKNOWN && (min == null || max == null)) {
      throw new IllegalArgumentException("a " + exactness.wireName() + " range needs min and max");
    }
  }

  public static FieldRange unknown(String field, int fieldId, String type) {
    return new FieldRange(field, fieldId, type, null, null, Exactness.UNKNOWN);
  }
}
