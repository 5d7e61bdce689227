package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.TableRef;
import java.time.Instant;

/**
 * Snapshots were lost before they could be published, typically to snapshot expiry while the
 * listener was down. The lost range lies strictly between {@code lastPublishedSnapshotId} and
 * {@code firstAvailableSnapshotId}; the newest lost snapshot is {@code lastLostSnapshotId}.
 * Publication resumes with {@code firstAvailableSnapshotId}.
 *
 * @param lastPublishedSnapshotId the last snapshot published before the gap; null if none was
 * @param firstAvailableSnapshotId the oldest snapshot still in the metadata after the gap
 * @param lastLostSnapshotId the parent of {@code firstAvailableSnapshotId}, which is gone; null if
 *     unknown
 * @param reason why the history is missing, such as {@code expired}
 */
public record SnapshotHistoryGap(
    @JsonProperty(required = true) TableRef table,
    @JsonProperty(required = true) String tableUuid,
    @JsonProperty(required = true) String branch,
    Long lastPublishedSnapshotId,
    @JsonProperty(required = true) long firstAvailableSnapshotId,
    Long lastLostSnapshotId,
    @JsonProperty(required = true) String reason,
    @JsonProperty(required = true) String metadataLocation,
    @JsonProperty(required = true) Instant detectedAt)
    implements TableEvent {

  public SnapshotHistoryGap {
    requireNonNull(table, "table");
    requireNonNull(tableUuid, "tableUuid");
    requireNonNull(branch, "branch");
    requireNonNull(reason, "reason");
    requireNonNull(metadataLocation, "metadataLocation");
    requireNonNull(detectedAt, "detectedAt");
  }

  @Override
  public String idSeed() {
    return tableUuid
        + "/"
        + branch
        + "/gap/"
        + lastPublishedSnapshotId
        + "/"
        + firstAvailableSnapshotId;
  }
}
