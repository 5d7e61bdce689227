package dev.floe.capture.engine;

import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.topic.Topics;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every capture of the deployment, as the compacted captures topic defines them.
 *
 * <p>Thread-safe.
 */
public final class CaptureRegistry {
  private final Map<String, CaptureDefined> captures = new ConcurrentHashMap<>();

  /** Applies a record of the captures topic: a definition, or a tombstone ({@code null}). */
  public void apply(String captureId, CaptureDefined definition) {
    if (definition == null) {
      captures.remove(captureId);
    } else {
      captures.put(captureId, definition);
    }
  }

  public Optional<CaptureDefined> get(String captureId) {
    return Optional.ofNullable(captures.get(captureId));
  }

  /** The captures of a source table, by its key ({@code catalog:namespace.table}). */
  public List<CaptureDefined> forTable(String tableKey) {
    return captures.values().stream()
        .filter(c -> Topics.tableKey(c.table()).equals(tableKey))
        .sorted(Comparator.comparing(CaptureDefined::captureId))
        .toList();
  }

  public Collection<CaptureDefined> all() {
    return captures.values().stream()
        .sorted(Comparator.comparing(CaptureDefined::captureId))
        .toList();
  }
}
