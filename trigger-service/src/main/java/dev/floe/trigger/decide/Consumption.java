package dev.floe.trigger.decide;

import dev.floe.contracts.event.TriggerDefined;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a trigger still needs of each capture it reads, published as {@code CaptureConsumed} so that
 * the capture can release the source pins no reader needs. Per capture: the parent of every change
 * not run successfully yet (pending, or in a run that is queued, in flight or waiting to be
 * retried), since a run's states read the files its parent had; and the snapshot of the latest
 * change seen, the parent of the change to come. The trigger cannot order snapshots, so it lists
 * them all; the capture, which reads the source table, keeps everything from the oldest. Pure.
 */
final class Consumption {
  private Consumption() {}

  /**
   * Per capture the trigger has seen a change of, the snapshots it still needs, sorted by id (so
   * that the same needs compare equal); a capture it has seen nothing of is absent.
   */
  static Map<String, List<Long>> keep(TriggerState state) {
    Map<String, Set<Long>> keep = new TreeMap<>();
    held(state)
        .forEach(
            change -> {
              Long parent = change.range().fromSnapshotIdExclusive();
              // A change from the table's first snapshot has no parent: it needs its own snapshots.
              long first = parent != null ? parent : change.range().snapshotIds().get(0);
              keep.computeIfAbsent(change.captureId(), k -> new HashSet<>()).add(first);
            });
    state
        .seenThrough()
        .forEach(
            (capture, snapshot) ->
                keep.computeIfAbsent(capture, k -> new HashSet<>()).add(snapshot));
    Map<String, List<Long>> out = new LinkedHashMap<>();
    keep.forEach((capture, ids) -> out.put(capture, ids.stream().sorted().toList()));
    return out;
  }

  /**
   * The state without what it saw of captures the trigger no longer reads (an input removed) and
   * holds no change of: it needs nothing of them any more. A table input may read any capture.
   */
  static TriggerState prune(TriggerDefined trigger, TriggerState state) {
    Set<String> held = new HashSet<>();
    held(state).forEach(c -> held.add(c.captureId()));
    boolean anyTable = trigger.inputs().stream().anyMatch(i -> i.captureId() == null);
    Set<String> read = new HashSet<>();
    trigger.inputs().forEach(i -> read.add(i.captureId()));
    if (anyTable
        || state.seenThrough().keySet().stream()
            .allMatch(c -> held.contains(c) || read.contains(c))) {
      return state;
    }
    TriggerState.Builder next = state.edit();
    next.seenThrough.keySet().removeIf(c -> !held.contains(c) && !read.contains(c));
    return next.build();
  }

  /** The changes the trigger holds: in its runs (queued, in flight, waiting), then pending. */
  private static Stream<PendingChange> held(TriggerState state) {
    return Stream.concat(
        state.runs().stream().flatMap(r -> r.changes().stream()), state.pending().stream());
  }
}
