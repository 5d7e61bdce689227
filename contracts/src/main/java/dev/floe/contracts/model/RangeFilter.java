package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * Runs only for changes whose range of {@code field} overlaps {@code [from, to]}. Bounds are in the
 * canonical string form of {@link FieldRange}; a missing bound is open. A change whose range of the
 * field is unknown always overlaps: it may hold anything.
 */
public record RangeFilter(@JsonProperty(required = true) String field, String from, String to) {

  public RangeFilter {
    Objects.requireNonNull(field, "field");
    if (from == null && to == null) {
      throw new IllegalArgumentException("a range filter needs from, to or both");
    }
  }
}
