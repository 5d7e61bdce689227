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
 * @param sequenceNumber the lost snapshot's sequence number: its added data files still live carry
 *     it as their file sequence number; null when not known
 * @param operation its Iceberg operation ({@code append}, {@code overwrite}, …); null when not
 *     known
 * @param branch the branch it was committed to; null when not known
 */
public record LostChange(
    @JsonProperty(required = true) long snapshotId,
    Long parentSnapshotId,
    Instant committedAt,
    @JsonProperty(required = true) String reason,
    @JsonProperty(required = true) String changeId,
    Long sequenceNumber,
    String operation,
    String branch) {

  public LostChange {
    requireNonNull(reason, "reason");
    requireNonNull(changeId, "changeId");
  }

  /** Without a sequence number. */
  public LostChange(
      long snapshotId, Long parentSnapshotId, Instant committedAt, String reason, String changeId) {
    this(snapshotId, parentSnapshotId, committedAt, reason, changeId, null, null, null);
  }
}
