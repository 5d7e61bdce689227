package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.TableRef;
import java.time.Instant;
import java.util.List;

/**
 * The branch head is no longer a descendant of the last published snapshot: a rollback followed by
 * new commits, or a write-audit-publish cherry-pick. The new snapshots after the common ancestor
 * follow as {@link SnapshotCommitted} events.
 *
 * @param previousHeadSnapshotId the last published head
 * @param newHeadSnapshotId the current head
 * @param commonAncestorSnapshotId the newest snapshot both lineages share; null if none is left
 * @param abandonedSnapshotIds published snapshots that are not in the new lineage, newest first
 */
public record TableLineageDiverged(
    @JsonProperty(required = true) TableRef table,
    @JsonProperty(required = true) String tableUuid,
    @JsonProperty(required = true) String branch,
    @JsonProperty(required = true) long previousHeadSnapshotId,
    @JsonProperty(required = true) long newHeadSnapshotId,
    Long commonAncestorSnapshotId,
    List<Long> abandonedSnapshotIds,
    @JsonProperty(required = true) String metadataLocation,
    @JsonProperty(required = true) Instant detectedAt)
    implements TableEvent {

  public TableLineageDiverged {
    requireNonNull(table, "table");
    requireNonNull(tableUuid, "tableUuid");
    requireNonNull(branch, "branch");
    requireNonNull(metadataLocation, "metadataLocation");
    requireNonNull(detectedAt, "detectedAt");
    abandonedSnapshotIds =
        abandonedSnapshotIds == null ? List.of() : List.copyOf(abandonedSnapshotIds);
  }

  @Override
  public String idSeed() {
    return tableUuid
        + "/"
        + branch
        + "/diverged/"
        + previousHeadSnapshotId
        + "/"
        + newHeadSnapshotId;
  }
}
