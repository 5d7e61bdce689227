package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.TableRef;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One snapshot on a watched table's branch, published exactly once and in lineage order.
 *
 * @param table the table
 * @param tableUuid the table's UUID from its metadata; changes when the table is re-created
 * @param branch the branch the snapshot was committed to, {@code main} unless configured otherwise
 * @param snapshotId the snapshot
 * @param parentSnapshotId its parent; null for the table's first snapshot
 * @param sequenceNumber the snapshot's data sequence number (0 in format v1 tables)
 * @param committedAt the snapshot's timestamp, set by the writer
 * @param operation Iceberg's operation: {@code append}, {@code overwrite}, {@code delete} or {@code
 *     replace}; null only for snapshots of very old writers that recorded none
 * @param summary the snapshot summary as the writer recorded it
 * @param schemaId the schema the snapshot was written with; null when the writer recorded none
 * @param specId the table's default partition spec when the snapshot was detected
 * @param manifestList the snapshot's manifest list location
 * @param metadataLocation the table metadata file the snapshot was read from
 * @param detectedAt when the listener saw the snapshot
 * @param detectionLatencyMs {@code detectedAt - committedAt}, in milliseconds, never negative
 */
public record SnapshotCommitted(
    @JsonProperty(required = true) TableRef table,
    @JsonProperty(required = true) String tableUuid,
    @JsonProperty(required = true) String branch,
    @JsonProperty(required = true) long snapshotId,
    Long parentSnapshotId,
    @JsonProperty(required = true) long sequenceNumber,
    @JsonProperty(required = true) Instant committedAt,
    String operation,
    Map<String, String> summary,
    Integer schemaId,
    @JsonProperty(required = true) int specId,
    @JsonProperty(required = true) String manifestList,
    @JsonProperty(required = true) String metadataLocation,
    @JsonProperty(required = true) Instant detectedAt,
    @JsonProperty(required = true) long detectionLatencyMs)
    implements TableEvent {

  public SnapshotCommitted {
    requireNonNull(table, "table");
    requireNonNull(tableUuid, "tableUuid");
    requireNonNull(branch, "branch");
    requireNonNull(committedAt, "committedAt");
    requireNonNull(manifestList, "manifestList");
    requireNonNull(metadataLocation, "metadataLocation");
    requireNonNull(detectedAt, "detectedAt");
    summary =
        summary == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(summary));
  }

  @Override
  public String idSeed() {
    return tableUuid + "/" + branch + "/" + snapshotId;
  }
}
