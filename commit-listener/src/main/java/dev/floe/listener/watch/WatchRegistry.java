package dev.floe.listener.watch;

import dev.floe.contracts.event.WatchDefined;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every table this listener deployment watches: from configuration, discovered in watched
 * namespaces, and defined over REST (the watches topic). When a table is watched for more than one
 * reason, the API definition wins over configuration, and configuration over discovery.
 *
 * <p>Thread-safe.
 */
public final class WatchRegistry {
  private final Map<String, Watch> configured = new ConcurrentHashMap<>();
  private final Map<String, Watch> discovered = new ConcurrentHashMap<>();
  private final Map<String, Watch> defined = new ConcurrentHashMap<>();
  private final Map<String, String> definedBy = new ConcurrentHashMap<>();
  private volatile List<Watch> merged = List.of();

  public void configure(Collection<Watch> watches) {
    watches.forEach(w -> configured.put(w.key(), w));
    remerge();
  }

  public void discovered(Watch watch) {
    if (!watch.equals(discovered.put(watch.key(), watch))) {
      remerge();
    }
  }

  /** Forgets a discovered table that is gone and whose drop was published. */
  public void undiscover(String key) {
    if (discovered.remove(key) != null) {
      remerge();
    }
  }

  /** Applies a record of the watches topic: a definition, or a tombstone ({@code null}). */
  public void apply(String key, WatchDefined definition) {
    if (definition == null) {
      defined.remove(key);
      definedBy.remove(key);
    } else {
      if (definition.definedBy() != null) {
        definedBy.put(key, definition.definedBy());
      } else {
        definedBy.remove(key);
      }
      defined.put(
          key,
          new Watch(
              definition.table(),
              definition.branches(),
              definition.initialPosition(),
              Watch.Source.API));
    }
    remerge();
  }

  public Optional<Watch> get(String key) {
    Watch watch = defined.get(key);
    if (watch == null) {
      watch = configured.get(key);
    }
    if (watch == null) {
      watch = discovered.get(key);
    }
    return Optional.ofNullable(watch);
  }

  /** Who defined the table's watch over REST; empty for configured and discovered ones. */
  public Optional<String> definedBy(String key) {
    return defined.containsKey(key) ? Optional.ofNullable(definedBy.get(key)) : Optional.empty();
  }

  /** All watches, one per table, ordered by table. Cheap: recomputed only on change. */
  public List<Watch> all() {
    return merged;
  }

  public int size() {
    return merged.size();
  }

  private synchronized void remerge() {
    Map<String, Watch> all = new java.util.HashMap<>(discovered);
    all.putAll(configured);
    all.putAll(defined);
    merged = all.values().stream().sorted(Comparator.comparing(Watch::key)).toList();
  }
}
