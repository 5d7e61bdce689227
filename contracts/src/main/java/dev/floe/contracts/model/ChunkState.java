package dev.floe.contracts.model;

/** Where a backfill chunk stands. */
public enum ChunkState implements WireNamed {
  PENDING,
  RUNNING,
  SUCCEEDED,
  FAILED,
  VALIDATED,
  INVALID,
  CANCELLED;

  @Override
  public String toString() {
    return wireName();
  }
}
