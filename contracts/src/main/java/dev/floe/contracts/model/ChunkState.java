package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonValue;

/** Where a backfill chunk stands. */
public enum ChunkState {
  PENDING("pending"),
  RUNNING("running"),
  SUCCEEDED("succeeded"),
  FAILED("failed"),
  VALIDATED("validated"),
  INVALID("invalid"),
  CANCELLED("cancelled");

  private final String wireName;

  ChunkState(String wireName) {
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
