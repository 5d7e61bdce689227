package dev.floe.trigger.decide;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one trigger knows between decisions; kept in a Kafka Streams state store, so it changes
 * atomically with the runs it requests.
 *
 * @param epoch set when the state is created, so that a trigger deleted and defined again never
 *     reuses a run id
 * @param nextRun the sequence number of the next run formed
 * @param pending changes not in any run yet, oldest first
 * @param runs runs formed and not finished: queued, in flight or waiting to be retried
 * @param watermarks per input: the last source snapshot a successful run covered
 * @param seen ids of recent changes, so a change delivered twice counts once
 * @param recent the outcome of the latest runs, newest last
 * @param holdUntil after a run is given up, no run forms before this, so a job that keeps failing
 *     is not started in a loop; null when nothing holds
 * @param lost lost changes of the inputs not in any run yet, oldest first
 * @param hold set while the trigger waits for an operator (a lost change); null otherwise
 * @param seenThrough per capture: the source snapshot of the latest change of it the trigger saw,
 *     whether the change counted or not; what the trigger needs of a capture starts there, or at an
 *     older change it has not run yet ({@link Consumption})
 * @param forming runs requested whose union of states is still being formed, off the decision
 *     thread: their {@code RunRequested} is written once it is ({@link BackgroundUnions})
 */
public record TriggerState(
    String epoch,
    long nextRun,
    List<PendingChange> pending,
    List<RunSlot> runs,
    Map<String, Long> watermarks,
    List<String> seen,
    List<String> recent,
    java.time.Instant holdUntil,
    List<PendingLost> lost,
    Hold hold,
    Map<String, Long> seenThrough,
    List<FormingRun> forming) {

  static final int SEEN = 1000;
  static final int RECENT = 20;

  public TriggerState {
    pending = List.copyOf(pending);
    runs = List.copyOf(runs);
    watermarks = Map.copyOf(watermarks);
    seen = List.copyOf(seen);
    recent = List.copyOf(recent);
    // A state stored before lost changes were kept has none.
    lost = lost == null ? List.of() : List.copyOf(lost);
    // A state stored before consumption was published has seen nothing yet, as far as it knows.
    seenThrough = seenThrough == null ? Map.of() : Map.copyOf(seenThrough);
    forming = forming == null ? List.of() : List.copyOf(forming);
  }

  /**
   * A run's attempt that was requested while its states were formed elsewhere.
   *
   * @param reason why it was requested, as its {@code RunRequested} will say
   */
  public record FormingRun(String runId, int attempt, String reason) {}

  public static TriggerState empty(java.time.Instant now) {
    return new TriggerState(
        Long.toString(now.toEpochMilli(), 36),
        1,
        List.of(),
        List.of(),
        Map.of(),
        List.of(),
        List.of(),
        null,
        List.of(),
        null,
        Map.of(),
        List.of());
  }

  /** A mutable copy to decide on. */
  Builder edit() {
    return new Builder(this);
  }

  static final class Builder {
    final String epoch;
    long nextRun;
    final List<PendingChange> pending;
    final List<RunSlot> runs;
    final Map<String, Long> watermarks;
    final List<String> seen;
    final List<String> recent;
    java.time.Instant holdUntil;
    final List<PendingLost> lost;
    Hold hold;
    final Map<String, Long> seenThrough;
    final List<FormingRun> forming;

    Builder(TriggerState s) {
      holdUntil = s.holdUntil;
      epoch = s.epoch;
      nextRun = s.nextRun;
      pending = new ArrayList<>(s.pending);
      runs = new ArrayList<>(s.runs);
      watermarks = new LinkedHashMap<>(s.watermarks);
      seen = new ArrayList<>(s.seen);
      recent = new ArrayList<>(s.recent);
      lost = new ArrayList<>(s.lost);
      hold = s.hold;
      seenThrough = new LinkedHashMap<>(s.seenThrough);
      forming = new ArrayList<>(s.forming);
    }

    void remember(String changeId) {
      seen.add(changeId);
      if (seen.size() > SEEN) {
        seen.subList(0, seen.size() - SEEN).clear();
      }
    }

    void record(String outcome) {
      recent.add(outcome);
      if (recent.size() > RECENT) {
        recent.subList(0, recent.size() - RECENT).clear();
      }
    }

    TriggerState build() {
      return new TriggerState(
          epoch,
          nextRun,
          pending,
          runs,
          watermarks,
          seen,
          recent,
          holdUntil,
          lost,
          hold,
          seenThrough,
          forming);
    }
  }
}
