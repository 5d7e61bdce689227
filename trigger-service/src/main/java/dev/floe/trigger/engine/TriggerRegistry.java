package dev.floe.trigger.engine;

import dev.floe.contracts.event.TriggerDefined;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every trigger of the deployment, as the compacted triggers topic defines them.
 *
 * <p>Thread-safe.
 */
public final class TriggerRegistry {
  private final Map<String, TriggerDefined> triggers = new ConcurrentHashMap<>();

  /** Applies a record of the triggers topic: a definition, or a tombstone ({@code null}). */
  public void apply(String triggerId, TriggerDefined definition) {
    if (definition == null) {
      triggers.remove(triggerId);
    } else {
      triggers.put(triggerId, definition);
    }
  }

  public Optional<TriggerDefined> get(String triggerId) {
    return Optional.ofNullable(triggers.get(triggerId));
  }

  public Collection<TriggerDefined> all() {
    return triggers.values().stream()
        .sorted(Comparator.comparing(TriggerDefined::triggerId))
        .toList();
  }
}
