package dev.floe.contracts.model;

/** How far a change range's bounds can be trusted. */
public enum Exactness implements WireNamed {
  /** The bounds are the true minimum and maximum of the changed rows. */
  EXACT,
  /**
   * The bounds enclose the true values but may be wider: Iceberg truncates string bounds, and a
   * lower bound of a truncated string sorts at or before the true minimum.
   */
  TRUNCATED,
  /** No bounds are known, for example for Avro data files, which carry no column metrics. */
  UNKNOWN;

  @Override
  public String toString() {
    return wireName();
  }

  /** The weaker of two: combining an exact and a truncated bound gives a truncated one. */
  public Exactness combine(Exactness other) {
    return ordinal() >= other.ordinal() ? this : other;
  }
}
