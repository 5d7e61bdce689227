package dev.floe.trigger.status;

import dev.floe.trigger.decide.PendingChange;
import dev.floe.trigger.decide.RunSlot;
import dev.floe.trigger.decide.TriggerState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a trigger is doing: its pending changes, runs in flight, watermarks and latest outcomes.
 *
 * @param pendingChangeSets change sets not in any run yet
 * @param pendingRecords records they hold
 * @param lagChangeSets change sets not yet covered by a successful run: pending and in runs
 * @param lagSeconds age of the oldest change not yet covered by a successful run
 * @param runs runs formed and not finished
 * @param watermarks per input, the last source snapshot a successful run covered
 * @param recent the latest outcomes, newest last
 * @param heldUntil set while a failing job is held back
 */
public record TriggerStatus(
    int pendingChangeSets,
    long pendingRecords,
    int lagChangeSets,
    long lagSeconds,
    List<Run> runs,
    Map<String, Long> watermarks,
    List<String> recent,
    Instant heldUntil) {

  /** A run formed and not finished. */
  public record Run(
      String runId,
      String state,
      int attempt,
      int changeSets,
      Instant launchedAt,
      Instant deadline,
      Instant retryAt) {}

  public static TriggerStatus of(TriggerState s, Instant now) {
    List<PendingChange> uncovered =
        java.util.stream.Stream.concat(
                s.pending().stream(), s.runs().stream().flatMap(r -> r.changes().stream()))
            .toList();
    long lag =
        uncovered.stream()
            .map(PendingChange::receivedAt)
            .min(Instant::compareTo)
            .map(oldest -> Math.max(0, Duration.between(oldest, now).toSeconds()))
            .orElse(0L);
    return new TriggerStatus(
        s.pending().size(),
        s.pending().stream().mapToLong(PendingChange::records).sum(),
        uncovered.size(),
        lag,
        s.runs().stream().map(TriggerStatus::run).toList(),
        s.watermarks(),
        s.recent(),
        s.holdUntil() != null && s.holdUntil().isAfter(now) ? s.holdUntil() : null);
  }

  private static Run run(RunSlot r) {
    String state =
        r.retryAt() != null ? "waiting-retry" : r.launchedAt() == null ? "queued" : "requested";
    return new Run(
        r.runId(),
        state,
        r.attempt(),
        r.changes().size(),
        r.launchedAt(),
        r.deadline(),
        r.retryAt());
  }
}
