package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonValue;

/** Where publication starts for a table that has no checkpoint yet. */
public enum InitialPosition {
  /** Every snapshot of the branch still in the table's metadata, oldest first. */
  EARLIEST("earliest"),
  /** Only commits after the branch head at the first poll. */
  LATEST("latest");

  private final String wireName;

  InitialPosition(String wireName) {
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
}
