package dev.floe.backfill.run;

import com.fasterxml.jackson.annotation.JsonValue;

/** Where a backfill stands. */
public enum BackfillStatus {
  /** Its plan's pages are still arriving: nothing runs until every chunk is in. */
  PLANNING("planning"),
  /** Chunks run, at most the concurrency limit at once. */
  RUNNING("running"),
  /** No new chunk starts; running chunks finish. */
  PAUSED("paused"),
  /** Cancelled while chunks ran: no new chunk starts, it ends when the running ones have. */
  CANCELLING("cancelling"),
  /** Every chunk succeeded, and was validated where a validation was asked for. */
  COMPLETED("completed"),
  /** Every chunk ended, some failed or are invalid: a retry runs those again. */
  FAILED("failed"),
  /** Cancelled: chunks that had not started never will, unless retried. */
  CANCELLED("cancelled");

  private final String wireName;

  BackfillStatus(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  public boolean ended() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }

  @Override
  public String toString() {
    return wireName;
  }
}
