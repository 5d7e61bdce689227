package dev.floe.trigger.status;

import dev.floe.trigger.decide.PendingChange;
import dev.floe.trigger.decide.PendingLost;
import dev.floe.trigger.decide.RunSlot;
import dev.floe.trigger.decide.TriggerState;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
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

  /**
   * A lost change waiting for the next run.
   *
   * @param sequenceNumber the lost snapshot's sequence number; null when not known
   * @param operation its Iceberg operation; null when not known
   * @param backfill a {@code POST /backfills} body that plans the lost append's data files still
   *     live (found by their file sequence number), run by this trigger's job, with an id of its
   *     own so that posting it twice is refused (409); null unless the lost commit was an append to
   *     the main branch with a known sequence number (a table of format 2 or later): any other
   *     commit's files still live hold rows it did not add
   */
  public record LostView(
      String captureId,
      String table,
      long snapshotId,
      Long parentSnapshotId,
      Instant committedAt,
      String reason,
      Long sequenceNumber,
      String operation,
      Map<String, Object> backfill) {}

  /** A run formed and not finished. */
  public record Run(
      String runId,
      String state,
      int attempt,
      int changeSets,
      Instant launchedAt,
      Instant deadline,
      Instant retryAt) {}

  public static TriggerStatus of(String triggerId, TriggerState s, Instant now) {
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
        s.runs().stream().map(r -> run(r, s.forming())).toList(),
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
                        l.change().reason(),
                        l.change().sequenceNumber(),
                        l.change().operation(),
                        backfill(triggerId, l)))
            .toList());
  }

  /** The backfill of a lost change's files still live, as {@code POST /backfills} takes it. */
  private static Map<String, Object> backfill(String triggerId, PendingLost lost) {
    Long sequence = lost.change().sequenceNumber();
    if (sequence == null
        || sequence <= 0
        || !"append".equals(lost.change().operation())
        // A backfill plans the main branch's head.
        || !"main".equals(lost.change().branch())) {
      return null;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    // One backfill per lost snapshot and trigger: a second post is a 409, not a second run.
    body.put(
        "id",
        "lost-"
            + lost.change().snapshotId()
            + "-"
            + Integer.toHexString(triggerId.hashCode() & 0x7fffffff));
    body.put("table", lost.table().qualifiedName());
    body.put("range", Map.of("addedAtSequenceNumber", sequence));
    body.put("chunking", Map.of("strategy", "files", "maxFiles", 100));
    body.put("trigger", triggerId);
    return body;
  }

  private static Run run(RunSlot r, List<TriggerState.FormingRun> forming) {
    boolean statesForming =
        forming.stream().anyMatch(f -> f.runId().equals(r.runId()) && f.attempt() == r.attempt());
    String state =
        r.retryAt() != null
            ? "waiting-retry"
            : r.launchedAt() == null ? "queued" : statesForming ? "forming" : "requested";
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
