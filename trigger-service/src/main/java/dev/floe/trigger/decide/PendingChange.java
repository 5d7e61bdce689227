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
 * @param removedIcdc the change's removed state; null when it removed nothing, or when it was
 *     stored before changes had one
 * @param statesRefused why a run's states including this change were refused for good, or why the
 *     change came without states ({@code ChangeCaptured.statesOmitted}), or null: its run then
 *     carries its input without states, saying why
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
    Instant receivedAt,
    IcdcRef removedIcdc,
    String statesRefused) {

  public PendingChange {
    ranges = ranges == null ? List.of() : List.copyOf(ranges);
  }

  PendingChange withStatesRefused(String why) {
    return new PendingChange(
        changeId,
        input,
        captureId,
        table,
        icdc,
        range,
        records,
        ranges,
        lateData,
        receivedAt,
        removedIcdc,
        why);
  }
}
