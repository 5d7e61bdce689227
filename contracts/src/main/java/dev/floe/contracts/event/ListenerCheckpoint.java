package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.BranchPosition;
import dev.floe.contracts.model.TableRef;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * How far the commit-listener has published one table. It is written in the same Kafka transaction
 * as the events it accounts for, so after any crash it says exactly what was published.
 *
 * @param tableUuid the UUID of the table the positions belong to
 * @param branchHeads per branch, the last snapshot published, or taken as the starting point
 * @param metadataLocation the metadata file the positions were read from
 * @param dropped true once {@code TableDropped} was published and the table has not come back
 * @param lastError the table's last poll error, null when the last poll succeeded
 */
public record ListenerCheckpoint(
    @JsonProperty(required = true) TableRef table,
    @JsonProperty(required = true) String tableUuid,
    Map<String, BranchPosition> branchHeads,
    String metadataLocation,
    boolean dropped,
    String lastError,
    @JsonProperty(required = true) Instant updatedAt)
    implements CheckpointEvent {

  public ListenerCheckpoint {
    requireNonNull(table, "table");
    requireNonNull(tableUuid, "tableUuid");
    requireNonNull(updatedAt, "updatedAt");
    branchHeads =
        branchHeads == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(branchHeads));
  }

  /** The last snapshot published on {@code branch}, or null. */
  public BranchPosition head(String branch) {
    return branchHeads.get(branch);
  }

  @Override
  public String idSeed() {
    return tableUuid
        + "/"
        + branchHeads.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue().snapshotId())
            .collect(Collectors.joining(","))
        + (dropped ? "/dropped" : "");
  }
}
