package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.TableRef;
import java.time.Instant;

/**
 * A watched table no longer exists in the catalog.
 *
 * @param tableUuid the UUID the table had when it was last seen
 * @param lastSnapshotId the last snapshot published for it; null if it had none
 */
public record TableDropped(
    @JsonProperty(required = true) TableRef table,
    @JsonProperty(required = true) String tableUuid,
    Long lastSnapshotId,
    @JsonProperty(required = true) Instant detectedAt)
    implements TableEvent {

  public TableDropped {
    requireNonNull(table, "table");
    requireNonNull(tableUuid, "tableUuid");
    requireNonNull(detectedAt, "detectedAt");
  }

  @Override
  public String idSeed() {
    return tableUuid + "/dropped";
  }
}
