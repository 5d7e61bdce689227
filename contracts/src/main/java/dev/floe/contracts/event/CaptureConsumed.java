package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The source snapshots one trigger still needs of one capture's changes: the parent of each change
 * it has not run successfully yet (pending, queued, in flight or waiting to be retried), and the
 * newest snapshot of the latest change it has seen, the parent of the change to come. Every
 * snapshot older than all of them is consumed by this trigger; the capture releases its pin once
 * every trigger reading it has consumed it.
 *
 * @param captureId the capture whose changes the trigger reads
 * @param triggerId the trigger
 * @param keepSnapshotIds the source snapshots the trigger still needs, in no particular order
 */
public record CaptureConsumed(
    @JsonProperty(required = true) String captureId,
    @JsonProperty(required = true) String triggerId,
    @JsonProperty(required = true) List<Long> keepSnapshotIds)
    implements ConsumptionEvent {

  public CaptureConsumed {
    requireNonNull(captureId, "captureId");
    requireNonNull(triggerId, "triggerId");
    keepSnapshotIds = keepSnapshotIds == null ? List.of() : List.copyOf(keepSnapshotIds);
  }

  @Override
  public String idSeed() {
    // The same list of snapshots is the same fact: List.hashCode is specified, so it is stable.
    return captureId + "/" + triggerId + "/" + Integer.toHexString(keepSnapshotIds.hashCode());
  }
}
