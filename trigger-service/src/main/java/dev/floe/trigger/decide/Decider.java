package dev.floe.trigger.decide;

import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.ChangeLost;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.model.Concurrency;
import dev.floe.contracts.model.LostChange;
import dev.floe.contracts.model.OnLost;
import dev.floe.contracts.model.TriggerInput;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The trigger rules as pure functions of a definition, a state and the time: which changes count
 * ({@link ChangeFilter}), when pending changes form a run ({@link Readiness}) and what it requests
 * ({@link RunRequests}), how many runs may be in flight, and what a run's success, failure or
 * timeout does. Nothing here reads a clock or does I/O, so every rule is tested exactly, and a
 * replay after a crash decides the same.
 */
public final class Decider {
  /** How a pending change that the capture published without states says why. */
  static final String CAME_WITHOUT_STATES = "the change came without states: ";

  private Decider() {}

  /** The new state and the runs to request now. */
  /**
   * @param timedOut the attempts that passed their deadline, reported as failures of kind timeout
   */
  public record Decision(
      TriggerState state, List<RunRequested> requests, List<RunFailed> timedOut) {}

  /**
   * A captured change arrives. It is kept when it feeds one of the trigger's inputs and passes its
   * kind, backfill and range filters; a change seen before is ignored.
   */
  public static TriggerState accept(
      TriggerDefined trigger,
      TriggerState state,
      String changeId,
      ChangeCaptured change,
      Instant now) {
    if (state.seen().contains(changeId)) {
      return state;
    }
    TriggerState.Builder next = state.edit();
    next.remember(changeId);
    Optional<TriggerInput> input =
        trigger.inputs().stream()
            .filter(i -> i.matches(change.captureId(), change.table()))
            .findFirst();
    if (input.isEmpty()) {
      return next.build();
    }
    next.seenThrough.put(change.captureId(), change.range().toSnapshotId());
    if (!ChangeFilter.counts(trigger, change)) {
      return next.build();
    }
    next.pending.add(
        new PendingChange(
            changeId,
            input.get().key(),
            change.captureId(),
            change.table(),
            change.icdc(),
            change.range(),
            change.stats().addedRecords() + change.stats().removedRecords(),
            change.ranges(),
            change.lateData(),
            now,
            change.removedIcdc(),
            change.statesOmitted() == null ? null : CAME_WITHOUT_STATES + change.statesOmitted()));
    return next.build();
  }

  /**
   * A lost change of one of the trigger's inputs arrives ({@code ChangeLost}: a source snapshot
   * expired before it was captured). It is kept for the next run's input to list, whatever the
   * trigger's filters, as a job must learn that its input misses rows; unless the trigger's {@code
   * onLost} is {@code continue}, the trigger holds: no new run forms until an operator resumes it.
   * A lost change seen before is ignored.
   */
  public static TriggerState lost(
      TriggerDefined trigger, TriggerState state, String changeId, ChangeLost lost, Instant now) {
    if (state.seen().contains(changeId)) {
      return state;
    }
    TriggerState.Builder next = state.edit();
    next.remember(changeId);
    Optional<TriggerInput> input =
        trigger.inputs().stream()
            .filter(i -> i.matches(lost.captureId(), lost.table()))
            .findFirst();
    if (input.isEmpty()) {
      return next.build();
    }
    next.lost.add(
        new PendingLost(
            input.get().key(),
            lost.captureId(),
            lost.table(),
            new LostChange(
                lost.snapshotId(),
                lost.parentSnapshotId(),
                lost.committedAt(),
                lost.reason(),
                changeId,
                lost.sequenceNumber(),
                lost.operation(),
                lost.branch())));
    boolean hold = trigger.onLost() != OnLost.CONTINUE;
    if (hold && next.hold == null) {
      next.hold = new Hold(Hold.CHANGE_LOST, now);
    }
    next.record(
        "snapshot "
            + lost.snapshotId()
            + " of "
            + lost.table()
            + " was lost ("
            + lost.reason()
            + "); the next run lists it"
            + (hold ? ", and the trigger holds until resumed" : ""));
    return next.build();
  }

  /** An operator asks for a run now: recorded with who asked, when the command says. */
  public static TriggerState runNow(TriggerState state, String by) {
    if (by == null) {
      return state;
    }
    TriggerState.Builder next = state.edit();
    next.record("run requested now by " + by);
    return next.build();
  }

  /** An operator resumes a held trigger: runs form again, the next one listing the lost changes. */
  public static TriggerState resume(TriggerState state, String by) {
    if (state.hold() == null) {
      return state;
    }
    TriggerState.Builder next = state.edit();
    next.hold = null;
    next.record("resumed" + (by == null ? "" : " by " + by) + " after " + state.hold().reason());
    return next.build();
  }

  /**
   * Decides at {@code now}: retries that are due are requested again, attempts past their deadline
   * fail, and pending changes that are ready form runs as the concurrency policy allows.
   *
   * @param manual an operator asked for a run now: pending changes form one, ready or not
   */
  public static Decision decide(
      TriggerDefined trigger, TriggerState state, Instant now, boolean manual) {
    List<RunRequested> requests = new ArrayList<>();
    List<RunFailed> timedOut = new ArrayList<>();
    TriggerState current = state;
    for (RunSlot slot : state.runs()) {
      if (slot.launchedAt() != null
          && slot.retryAt() == null
          && slot.deadline() != null
          && !now.isBefore(slot.deadline())) {
        current = failed(trigger, current, slot.runId(), slot.attempt(), now, "timed out");
        timedOut.add(
            new RunFailed(
                slot.runId(),
                trigger.triggerId(),
                slot.attempt(),
                RunFailed.ErrorKind.TIMEOUT,
                "no outcome within the run timeout of " + trigger.runTimeout(),
                false,
                null,
                now));
      }
    }
    TriggerState.Builder next = current.edit();
    for (int i = 0; i < next.runs.size(); i++) {
      RunSlot slot = next.runs.get(i);
      if (slot.waitingRetry() && !now.isBefore(slot.retryAt()) && !trigger.paused()) {
        RunSlot launched = launch(trigger, slot, now);
        next.runs.set(i, launched);
        requests.add(RunRequests.request(trigger, launched, "retry"));
      }
    }
    if (trigger.paused()) {
      return new Decision(next.build(), requests, timedOut);
    }
    Concurrency.Policy policy = trigger.concurrency().policy();
    int capacity = trigger.concurrency().maxParallel();
    boolean held = next.holdUntil != null && now.isBefore(next.holdUntil);
    // A hold for an operator forms no new run, by hand or not; runs formed before it go on.
    boolean waiting = next.hold != null;
    String reason =
        waiting
            ? null
            : manual
                ? (next.pending.isEmpty() ? null : "manual")
                : held ? null : Readiness.reason(trigger, next.pending, now);
    if (manual && waiting) {
      next.record(
          "a run was asked for by hand while held (" + next.hold.reason() + "): none formed");
    } else if (manual && next.pending.isEmpty()) {
      next.record("a run was asked for by hand with no pending change: none formed");
    }
    if (reason != null) {
      boolean form =
          switch (policy) {
            case SEQUENTIAL -> true;
            case LATEST_ONLY -> next.runs.isEmpty();
            case PARALLEL -> active(next.runs) < capacity;
          };
      if (form) {
        String runId = trigger.triggerId() + "-" + next.epoch + "-" + next.nextRun++;
        next.runs.add(new RunSlot(runId, next.pending, 1, null, null, null, next.lost));
        next.pending.clear();
        next.lost.clear();
        next.record(runId + " formed (" + reason + ")");
      }
    }
    for (int i = 0; i < next.runs.size() && active(next.runs) < capacity; i++) {
      RunSlot slot = next.runs.get(i);
      if (slot.queued()) {
        RunSlot launched = launch(trigger, slot, now);
        next.runs.set(i, launched);
        requests.add(RunRequests.request(trigger, launched, reason == null ? "queued" : reason));
      }
    }
    return new Decision(next.build(), requests, timedOut);
  }

  /** A run succeeded: it is done, and its inputs' watermarks advance to what it covered. */
  public static TriggerState succeeded(TriggerState state, String runId) {
    TriggerState.Builder next = state.edit();
    RunSlot slot = remove(next, runId);
    if (slot == null) {
      return state;
    }
    for (PendingChange change : slot.changes()) {
      next.watermarks.put(change.input(), change.range().toSnapshotId());
    }
    next.record(runId + " succeeded");
    return next.build();
  }

  /**
   * The run's states for the changes of {@code captureId} (of every capture when null) were refused
   * for good: the run is given up at once and its changes fold into the next run, where those
   * changes carry {@code why} and go without states (change ids only) instead of being refused
   * again.
   */
  public static TriggerState statesRefused(
      TriggerDefined trigger,
      TriggerState state,
      String runId,
      int attempt,
      String captureId,
      Instant now,
      String why) {
    java.util.Set<String> refused = new java.util.HashSet<>();
    state.runs().stream()
        .filter(r -> r.runId().equals(runId))
        .flatMap(r -> r.changes().stream())
        .filter(c -> captureId == null || c.captureId().equals(captureId))
        .forEach(c -> refused.add(c.changeId()));
    TriggerState failed = failed(trigger, state, runId, attempt, now, "permanent: " + why, false);
    TriggerState.Builder next = failed.edit();
    next.pending.replaceAll(
        c ->
            refused.contains(c.changeId()) && c.statesRefused() == null
                ? c.withStatesRefused("states refused for an earlier run: " + why)
                : c);
    return next.build();
  }

  /**
   * An attempt failed: it is retried after a doubling back-off while attempts remain; after the
   * last, the run is given up and its changes fold into the next run, so none is dropped. A report
   * about another attempt than the current one is stale and ignored.
   */
  public static TriggerState failed(
      TriggerDefined trigger,
      TriggerState state,
      String runId,
      int attempt,
      Instant now,
      String why) {
    return failed(trigger, state, runId, attempt, now, why, true);
  }

  /**
   * As {@link #failed(TriggerDefined, TriggerState, String, int, Instant, String)}; a failure that
   * is not {@code retryable} (a 4xx, a rejected request) gives the run up at once.
   */
  public static TriggerState failed(
      TriggerDefined trigger,
      TriggerState state,
      String runId,
      int attempt,
      Instant now,
      String why,
      boolean retryable) {
    TriggerState.Builder next = state.edit();
    for (int i = 0; i < next.runs.size(); i++) {
      RunSlot slot = next.runs.get(i);
      if (!slot.runId().equals(runId) || slot.attempt() != attempt || slot.launchedAt() == null) {
        continue;
      }
      if (retryable && attempt < trigger.retry().maxAttempts()) {
        Duration wait = trigger.retry().backoff().multipliedBy(1L << Math.min(attempt - 1, 20));
        next.runs.set(
            i,
            new RunSlot(
                runId,
                slot.changes(),
                attempt + 1,
                slot.launchedAt(),
                null,
                now.plus(wait),
                slot.lost()));
        next.record(runId + " attempt " + attempt + " failed (" + why + "), retried");
      } else {
        next.runs.remove(i);
        fold(next, slot);
        // A job that failed every attempt is not started again at once: the changes wait as
        // long as one more retry would have.
        next.holdUntil =
            now.plus(trigger.retry().backoff().multipliedBy(1L << Math.min(attempt, 20)));
        next.record(
            runId
                + " failed ("
                + why
                + ") after "
                + attempt
                + " attempts; its changes fold into the next run");
      }
      return next.build();
    }
    return state;
  }

  /** A run was cancelled: its changes fold into the next run. */
  public static TriggerState cancelled(TriggerState state, String runId) {
    TriggerState.Builder next = state.edit();
    RunSlot slot = remove(next, runId);
    if (slot == null) {
      return state;
    }
    fold(next, slot);
    next.record(runId + " cancelled; its changes fold into the next run");
    return next.build();
  }

  private static void fold(TriggerState.Builder next, RunSlot slot) {
    List<PendingChange> all = new ArrayList<>(slot.changes());
    all.addAll(next.pending);
    next.pending.clear();
    next.pending.addAll(all);
    List<PendingLost> lost = new ArrayList<>(slot.lost());
    lost.addAll(next.lost);
    next.lost.clear();
    next.lost.addAll(lost);
  }

  private static RunSlot remove(TriggerState.Builder next, String runId) {
    for (int i = 0; i < next.runs.size(); i++) {
      if (next.runs.get(i).runId().equals(runId)) {
        return next.runs.remove(i);
      }
    }
    return null;
  }

  private static int active(List<RunSlot> runs) {
    return (int) runs.stream().filter(r -> !r.queued()).count();
  }

  private static RunSlot launch(TriggerDefined trigger, RunSlot slot, Instant now) {
    return new RunSlot(
        slot.runId(),
        slot.changes(),
        slot.attempt(),
        now,
        now.plus(trigger.runTimeout()),
        null,
        slot.lost());
  }
}
