package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.BackfillTag;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.ChangeStats;
import dev.floe.contracts.model.FieldRange;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.PartitionRef;
import dev.floe.contracts.model.SnapshotRange;
import dev.floe.contracts.model.TableRef;
import java.time.Instant;
import java.util.List;

/**
 * One captured change set: the files that a range of source snapshots added and removed, readable
 * zero-copy through ICDC table states, with the change range of every tracked field.
 *
 * @param captureId the capture (subscription) that produced the change
 * @param table the source table
 * @param tableUuid the source table's UUID
 * @param range the source snapshots the change covers
 * @param kind what the change did
 * @param stats file, record and byte counts from the manifests
 * @param icdc the state holding exactly the added data files and the added delete files; null for a
 *     change that added nothing, such as a pure delete or a compaction
 * @param removedIcdc the state holding exactly the removed data files; null when none were removed
 * @param ranges one range per tracked field, over the rows the change added and removed
 * @param partitions the partitions the change touched, added and removed files alike
 * @param lateData true when the range of a tracked date or timestamp field starts below the
 *     capture's high-water mark of that field: the change holds late data
 * @param committedAt the commit time of the newest source snapshot of the range
 * @param capturedAt when the ICDC state was committed
 * @param backfill set when the change belongs to a backfill chunk
 * @param statesOmitted why the change has no states although it changed rows (Iceberg would refuse
 *     them for good, as a format-3 table refuses the format-2 position deletes its files kept from
 *     before an upgrade), or null: a job then reads the change from the source
 */
public record ChangeCaptured(
    @JsonProperty(required = true) String captureId,
    @JsonProperty(required = true) TableRef table,
    @JsonProperty(required = true) String tableUuid,
    @JsonProperty(required = true) SnapshotRange range,
    @JsonProperty(required = true) ChangeKind kind,
    @JsonProperty(required = true) ChangeStats stats,
    IcdcRef icdc,
    IcdcRef removedIcdc,
    List<FieldRange> ranges,
    List<PartitionRef> partitions,
    boolean lateData,
    @JsonProperty(required = true) Instant committedAt,
    @JsonProperty(required = true) Instant capturedAt,
    BackfillTag backfill,
    String statesOmitted)
    implements ChangeEvent {

  public ChangeCaptured {
    requireNonNull(captureId, "captureId");
    requireNonNull(table, "table");
    requireNonNull(tableUuid, "tableUuid");
    requireNonNull(range, "range");
    requireNonNull(kind, "kind");
    requireNonNull(stats, "stats");
    requireNonNull(committedAt, "committedAt");
    requireNonNull(capturedAt, "capturedAt");
    ranges = ranges == null ? List.of() : List.copyOf(ranges);
    partitions = partitions == null ? List.of() : List.copyOf(partitions);
  }

  @Override
  public String idSeed() {
    String base =
        captureId
            + "/"
            + tableUuid
            + "/"
            + range.fromSnapshotIdExclusive()
            + "/"
            + range.toSnapshotId();
    return backfill == null ? base : base + "/" + backfill.backfillId() + "/" + backfill.chunkId();
  }
}
