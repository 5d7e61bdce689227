package dev.floe.contracts.model;

/** Where publication starts for a table that has no checkpoint yet. */
public enum InitialPosition implements WireNamed {
  /** Every snapshot of the branch still in the table's metadata, oldest first. */
  EARLIEST,
  /** Only commits after the branch head at the first poll. */
  LATEST;

  @Override
  public String toString() {
    return wireName();
  }
}
