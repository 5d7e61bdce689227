package dev.floe.trigger.decide;

import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.model.TriggerCondition;
import dev.floe.contracts.model.TriggerInput;
import java.time.Instant;
import java.util.List;

/**
 * When a trigger's pending changes may form a run: at once after the maximum delay, otherwise when
 * every input has a change (for condition {@code all}), the minimum change sets and records are
 * reached, and the quiet period has passed since the newest. Pure and stateless.
 */
final class Readiness {
  private Readiness() {}

  /** Why pending changes may form a run now, or null when they may not. */
  static String reason(TriggerDefined trigger, List<PendingChange> pending, Instant now) {
    if (pending.isEmpty()) {
      return null;
    }
    Instant oldest = pending.stream().map(PendingChange::receivedAt).min(Instant::compareTo).get();
    Instant newest = pending.stream().map(PendingChange::receivedAt).max(Instant::compareTo).get();
    if (trigger.maxDelay() != null && !now.isBefore(oldest.plus(trigger.maxDelay()))) {
      return "max-delay";
    }
    if (trigger.condition() == TriggerCondition.ALL) {
      for (TriggerInput input : trigger.inputs()) {
        if (pending.stream().noneMatch(p -> p.input().equals(input.key()))) {
          return null;
        }
      }
    }
    long records = pending.stream().mapToLong(PendingChange::records).sum();
    if (pending.size() < trigger.minChangeSets() || records < trigger.minRecords()) {
      return null;
    }
    if (now.isBefore(newest.plus(trigger.quietPeriod()))) {
      return null;
    }
    return "changes";
  }
}
