package dev.floe.trigger.decide;

import java.time.Instant;
import java.util.List;

/**
 * A run the trigger has formed: queued, in flight, or waiting to be retried.
 *
 * @param runId deterministic: the trigger id and the run's sequence number
 * @param changes the change sets it covers
 * @param attempt the attempt in flight or next, from 1
 * @param launchedAt when the current attempt was requested; null while queued
 * @param deadline when the current attempt times out; null while queued or waiting
 * @param retryAt when the next attempt is due; null unless waiting to be retried
 * @param lost the lost changes its inputs list
 */
public record RunSlot(
    String runId,
    List<PendingChange> changes,
    int attempt,
    Instant launchedAt,
    Instant deadline,
    Instant retryAt,
    List<PendingLost> lost) {

  public RunSlot {
    changes = List.copyOf(changes);
    // A slot stored before lost changes were kept has none.
    lost = lost == null ? List.of() : List.copyOf(lost);
  }

  boolean queued() {
    return launchedAt == null && retryAt == null;
  }

  boolean waitingRetry() {
    return retryAt != null;
  }
}
