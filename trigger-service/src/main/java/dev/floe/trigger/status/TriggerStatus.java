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
 * @param hold set while the trigger waits for an operator (an input lost a change); resume it with
 *     {@code POST /triggers/{id}/resume}
 * @param lost lost changes not yet listed by a run: the next run's inputs list them
 */
public record TriggerStatus(
    int pendingChangeSets,
    long pendingRecords,
    int lagChangeSets,
    long lagSeconds,
    List<Run> runs,
    Map<String, Long> watermarks,
    List<String> recent,
    Instant heldUntil,
    HoldView hold,
    List<LostView> lost) {

  /** Why the trigger holds, and since when. */
  public record HoldView(String reason, Instant since) {}

  /** A lost change waiting for the next run. */
  public record LostView(
      String captureId,
      String table,
      long snapshotId,
      Long parentSnapshotId,
      Instant committedAt,
      String reason) {}

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
        s.holdUntil() != null && s.holdUntil().isAfter(now) ? s.holdUntil() : null,
        s.hold() == null ? null : new HoldView(s.hold().reason(), s.hold().since()),
        s.lost().stream()
            .map(
                l ->
                    new LostView(
                        l.captureId(),
                        l.table().toString(),
                        l.change().snapshotId(),
                        l.change().parentSnapshotId(),
                        l.change().committedAt(),
                        l.change().reason()))
            .toList());
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
