package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.TableRef;
import java.time.Instant;

/**
 * A watched table name now holds a different table (a new UUID). Its snapshots follow as {@link
 * SnapshotCommitted} events with the new UUID; nothing of the old table carries over.
 *
 * @param previousTableUuid the UUID last seen under this name
 * @param tableUuid the new table's UUID
 * @param currentSnapshotId the new table's current snapshot; null if it has none yet
 */
public record TableRecreated(
    @JsonProperty(required = true) TableRef table,
    @JsonProperty(required = true) String previousTableUuid,
    @JsonProperty(required = true) String tableUuid,
    Long currentSnapshotId,
    @JsonProperty(required = true) String metadataLocation,
    @JsonProperty(required = true) Instant detectedAt)
    implements TableEvent {

  public TableRecreated {
    requireNonNull(table, "table");
    requireNonNull(previousTableUuid, "previousTableUuid");
    requireNonNull(tableUuid, "tableUuid");
    requireNonNull(metadataLocation, "metadataLocation");
    requireNonNull(detectedAt, "detectedAt");
  }

  @Override
  public String idSeed() {
    return tableUuid + "/recreated/" + previousTableUuid;
  }
}
