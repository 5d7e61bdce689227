package dev.floe.trigger.decide;

import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.model.Exactness;
import dev.floe.contracts.model.FieldRange;
import dev.floe.contracts.model.LostChange;
import dev.floe.contracts.model.RunInput;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The request a run slot becomes: its change sets grouped by capture, each group with its ranges
 * merged per field (the lowest minimum, the highest maximum, the weakest exactness). Pure and
 * stateless; the union of the groups' ICDC states is added later ({@link IcdcUnions}).
 */
final class RunRequests {
  private RunRequests() {}

  /** The run's request: its change sets grouped by capture, with their ranges merged. */
  static RunRequested request(TriggerDefined trigger, RunSlot slot, String reason) {
    Map<String, List<PendingChange>> byCapture = new LinkedHashMap<>();
    for (PendingChange change : slot.changes()) {
      byCapture.computeIfAbsent(change.captureId(), k -> new ArrayList<>()).add(change);
    }
    Map<String, List<PendingLost>> lostByCapture = new LinkedHashMap<>();
    for (PendingLost lost : slot.lost()) {
      lostByCapture.computeIfAbsent(lost.captureId(), k -> new ArrayList<>()).add(lost);
    }
    List<RunInput> inputs = new ArrayList<>();
    for (List<PendingChange> changes : byCapture.values()) {
      PendingChange first = changes.get(0);
      inputs.add(
          new RunInput(
              first.captureId(),
              first.table(),
              changes.size() == 1 ? first.icdc() : null,
              changes.stream().map(PendingChange::range).toList(),
              changes.stream().map(PendingChange::changeId).toList(),
              changes.stream().mapToLong(PendingChange::records).sum(),
              merge(changes),
              changes.stream().anyMatch(PendingChange::lateData),
              changes.size() == 1 ? first.removedIcdc() : null,
              // A single change that came without states says why (a refusal of an earlier run's
              // union does not concern its own states); several are formed later.
              changes.size() == 1
                      && first.statesRefused() != null
                      && first.statesRefused().startsWith(Decider.CAME_WITHOUT_STATES)
                  ? first.statesRefused()
                  : null,
              lost(lostByCapture.remove(first.captureId()))));
    }
    // A capture that lost changes and has none in this run still gets an input, to list them.
    for (List<PendingLost> lost : lostByCapture.values()) {
      PendingLost first = lost.get(0);
      inputs.add(
          new RunInput(
              first.captureId(),
              first.table(),
              null,
              List.of(),
              List.of(),
              0,
              List.of(),
              false,
              null,
              null,
              lost(lost)));
    }
    return new RunRequested(
        slot.runId(),
        trigger.triggerId(),
        inputs,
        slot.changes().stream().mapToLong(PendingChange::records).sum(),
        slot.changes().stream().anyMatch(PendingChange::lateData),
        reason,
        null,
        slot.attempt());
  }

  private static List<LostChange> lost(List<PendingLost> lost) {
    return lost == null ? List.of() : lost.stream().map(PendingLost::change).toList();
  }

  /** Per field: the lowest minimum, the highest maximum, and the weakest exactness. */
  static List<FieldRange> merge(List<PendingChange> changes) {
    Map<Integer, FieldRange> merged = new LinkedHashMap<>();
    for (PendingChange change : changes) {
      for (FieldRange r : change.ranges()) {
        merged.merge(r.fieldId(), r, RunRequests::union);
      }
    }
    return List.copyOf(merged.values());
  }

  private static FieldRange union(FieldRange a, FieldRange b) {
    Comparator<String> order = FieldValues.order(a.type());
    if (order == null || a.min() == null || b.min() == null) {
      return FieldRange.unknown(a.field(), a.fieldId(), a.type());
    }
    try {
      String min = order.compare(a.min(), b.min()) <= 0 ? a.min() : b.min();
      String max = order.compare(a.max(), b.max()) >= 0 ? a.max() : b.max();
      Exactness exactness =
          a.exactness() == Exactness.EXACT && b.exactness() == Exactness.EXACT
              ? Exactness.EXACT
              : Exactness.TRUNCATED;
      return new FieldRange(a.field(), a.fieldId(), a.type(), min, max, exactness);
    } catch (RuntimeException unparsable) {
      return FieldRange.unknown(a.field(), a.fieldId(), a.type());
    }
  }
}
