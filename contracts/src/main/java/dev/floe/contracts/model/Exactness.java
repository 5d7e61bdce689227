package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonValue;

/** How far a change range's bounds can be trusted. */
public enum Exactness {
  /** The bounds are the true minimum and maximum of the changed rows. */
  EXACT("exact"),
  /**
   * The bounds enclose the true values but may be wider: Iceberg truncates string bounds, and a
   * lower bound of a truncated string sorts at or before the true minimum.
   */
  TRUNCATED("truncated"),
  /** No bounds are known, for example for Avro data files, which carry no column metrics. */
  UNKNOWN("unknown");

  private final String wireName;

  Exactness(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  @Override
  public String toString() {
    return wireName;
  }

  /** The weaker of two: combining an exact and a truncated bound gives a truncated one. */
  public Exactness combine(Exactness other) {
    return ordinal() >= other.ordinal() ? this : other;
  }
}
