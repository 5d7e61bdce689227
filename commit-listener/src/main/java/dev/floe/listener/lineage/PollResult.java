package dev.floe.listener.lineage;

import dev.floe.contracts.event.ListenerCheckpoint;
import dev.floe.contracts.event.TableEvent;
import java.util.List;

/**
 * What one poll of one table found: the events to publish, oldest first, and the checkpoint that
 * accounts for them. Both are published in one Kafka transaction, or not at all.
 *
 * @param checkpoint the checkpoint after the events; null when the table never existed
 * @param error why the poll failed; null when it succeeded
 */
public record PollResult(
    String tableKey,
    List<TableEvent> events,
    ListenerCheckpoint checkpoint,
    boolean checkpointChanged,
    String error) {

  public PollResult {
    events = List.copyOf(events);
  }

  public static PollResult failed(String tableKey, ListenerCheckpoint checkpoint, String error) {
    return new PollResult(tableKey, List.of(), checkpoint, false, error);
  }

  public boolean failed() {
    return error != null;
  }

  /** True when something must be written: events, or a checkpoint that moved. */
  public boolean hasWork() {
    return !events.isEmpty() || checkpointChanged;
  }
}
