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
 * @param sequenceNumber the lost snapshot's sequence number, as {@code SnapshotCommitted} named it:
 *     the data files it added that are still live carry it as their file sequence number, so a
 *     backfill can find them ({@code range.addedAtSequenceNumber}); null when not known, and 0 on a
 *     format-1 table
 * @param operation the lost snapshot's Iceberg operation ({@code append}, {@code overwrite}, {@code
 *     delete}, {@code replace}), as {@code SnapshotCommitted} named it; null when not known. Only
 *     an append's files still live hold exactly its rows
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
    @JsonProperty(required = true) Instant detectedAt,
    Long sequenceNumber,
    String operation)
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

  /** Without a sequence number. */
  public ChangeLost(
      String captureId,
      TableRef table,
      String tableUuid,
      String branch,
      long snapshotId,
      Long parentSnapshotId,
      Instant committedAt,
      String reason,
      Instant detectedAt) {
    this(
        captureId,
        table,
        tableUuid,
        branch,
        snapshotId,
        parentSnapshotId,
        committedAt,
        reason,
        detectedAt,
        null,
        null);
  }

  @Override
  public String idSeed() {
    return captureId + "/" + tableUuid + "/lost/" + snapshotId;
  }
}
