package dev.floe.contracts.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * A source snapshot whose change a capture could not capture, as a run's input lists it: the job
 * learns that its input is incomplete, and which commit is missing.
 *
 * @param snapshotId the source snapshot that was lost
 * @param parentSnapshotId its parent, null when unknown
 * @param committedAt when it was committed, null when unknown
 * @param reason why, e.g. {@code expired}
 * @param changeId the id of the {@code ChangeLost} event
 */
public record LostChange(
    @JsonProperty(required = true) long snapshotId,
    Long parentSnapshotId,
    Instant committedAt,
    @JsonProperty(required = true) String reason,
    @JsonProperty(required = true) String changeId) {

  public LostChange {
    requireNonNull(reason, "reason");
    requireNonNull(changeId, "changeId");
  }
}
