package dev.floe.capture.pin;

import dev.floe.contracts.event.CaptureConsumed;
import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.TriggerDefined;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who reads each capture and what each reader still needs: the triggers, as the compacted {@code
 * floe.triggers} defines them, and their {@code CaptureConsumed} records on the compacted {@code
 * floe.consumption}. A trigger reads a capture when one of its inputs names the capture or its
 * source table.
 *
 * <p>Thread-safe.
 */
public final class CaptureReaders {
  private final Map<String, TriggerDefined> triggers = new ConcurrentHashMap<>();
  private final Map<String, CaptureConsumed> consumed = new ConcurrentHashMap<>();

  /** A record of the triggers topic: a definition, or a tombstone ({@code null}). */
  public void trigger(String triggerId, TriggerDefined definition) {
    if (definition == null) {
      triggers.remove(triggerId);
    } else {
      triggers.put(triggerId, definition);
    }
  }

  /** A record of the consumption topic, keyed {@code <captureId>/<triggerId>}, or a tombstone. */
  public void consumed(String key, CaptureConsumed record) {
    if (record == null) {
      consumed.remove(key);
    } else {
      consumed.put(key, record);
    }
  }

  /**
   * The triggers reading {@code capture}, by id, each with the source snapshots it still needs of
   * it; a trigger that has not said yet needs everything, which an empty list tells. A trigger
   * whose inputs no longer name the capture still reads it while its record stands: it may hold
   * changes of it to run. Empty when no trigger reads the capture: its pins then last their TTL.
   */
  public SortedMap<String, List<Long>> readers(CaptureDefined capture) {
    SortedMap<String, List<Long>> readers = new TreeMap<>();
    for (TriggerDefined t : triggers.values()) {
      // The record's key, as ConsumptionEvent derives it.
      CaptureConsumed c = consumed.get(capture.captureId() + "/" + t.triggerId());
      if (c != null
          || t.inputs().stream().anyMatch(i -> i.matches(capture.captureId(), capture.table()))) {
        readers.put(t.triggerId(), c == null ? List.of() : c.keepSnapshotIds());
      }
    }
    return readers;
  }
}
