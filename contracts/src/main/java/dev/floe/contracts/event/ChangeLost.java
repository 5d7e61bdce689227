package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.TableRef;
import java.time.Instant;

/**
 * A published snapshot that a capture could not capture, because it was gone from the table's
 * metadata when the capture read it (typically expired by the source's snapshot expiry in between).
 * Its change set will never exist: downstream jobs that depend on every change of the table learn
 * here that one is missing, and which.
 *
 * @param snapshotId the lost snapshot
 * @param parentSnapshotId its parent, as {@code SnapshotCommitted} named it; null for a table's
 *     first
 * @param committedAt when the lost snapshot was committed
 * @param reason why, such as {@code expired}
 */
public record ChangeLost(
    @JsonProperty(required = true) String captureId,
    @JsonProperty(required = true) TableRef table,
    @JsonProperty(required = true) String tableUuid,
    @JsonProperty(required = true) String branch,
    @JsonProperty(required = true) long snapshotId,
    Long parentSnapshotId,
    @JsonProperty(required = true) Instant committedAt,
    @JsonProperty(required = true) String reason,
    @JsonProperty(required = true) Instant detectedAt)
    implements ChangeEvent {

  public ChangeLost {
    requireNonNull(captureId, "captureId");
    requireNonNull(table, "table");
    requireNonNull(tableUuid, "tableUuid");
    requireNonNull(branch, "branch");
    requireNonNull(committedAt, "committedAt");
    requireNonNull(reason, "reason");
    requireNonNull(detectedAt, "detectedAt");
  }

  @Override
  public String idSeed() {
    return captureId + "/" + tableUuid + "/lost/" + snapshotId;
  }
}
