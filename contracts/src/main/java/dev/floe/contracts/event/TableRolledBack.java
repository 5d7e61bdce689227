package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.TableRef;
import java.time.Instant;
import java.util.List;

/**
 * The branch head moved back to an ancestor of the last published snapshot. The snapshots after the
 * new head are no longer part of the table's current state; consumers that derived data from them
 * decide what to undo.
 *
 * @param fromSnapshotId the last published head
 * @param toSnapshotId the new head, an ancestor of {@code fromSnapshotId}
 * @param rolledBackSnapshotIds the snapshots that left the lineage, newest first
 */
public record TableRolledBack(
    @JsonProperty(required = true) TableRef table,
    @JsonProperty(required = true) String tableUuid,
    @JsonProperty(required = true) String branch,
    @JsonProperty(required = true) long fromSnapshotId,
    @JsonProperty(required = true) long toSnapshotId,
    List<Long> rolledBackSnapshotIds,
    @JsonProperty(required = true) String metadataLocation,
    @JsonProperty(required = true) Instant detectedAt)
    implements TableEvent {

  public TableRolledBack {
    requireNonNull(table, "table");
    requireNonNull(tableUuid, "tableUuid");
    requireNonNull(branch, "branch");
    requireNonNull(metadataLocation, "metadataLocation");
    requireNonNull(detectedAt, "detectedAt");
    rolledBackSnapshotIds =
        rolledBackSnapshotIds == null ? List.of() : List.copyOf(rolledBackSnapshotIds);
  }

  @Override
  public String idSeed() {
    return tableUuid + "/" + branch + "/rollback/" + fromSnapshotId + "/" + toSnapshotId;
  }
}
