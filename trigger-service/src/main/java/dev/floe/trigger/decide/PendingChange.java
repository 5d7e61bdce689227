package dev.floe.trigger.decide;

import dev.floe.contracts.model.FieldRange;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.SnapshotRange;
import dev.floe.contracts.model.TableRef;
import java.time.Instant;
import java.util.List;

/**
 * A captured change waiting for, or taken by, a run of one trigger.
 *
 * @param changeId the {@code ChangeCaptured} event's id
 * @param input the key of the trigger input it feeds
 * @param receivedAt when the trigger saw it, for the quiet period and the maximum delay
 */
public record PendingChange(
    String changeId,
    String input,
    String captureId,
    TableRef table,
    IcdcRef icdc,
    SnapshotRange range,
    long records,
    List<FieldRange> ranges,
    boolean lateData,
    Instant receivedAt) {

  public PendingChange {
    ranges = ranges == null ? List.of() : List.copyOf(ranges);
  }
}
