package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A contiguous stretch of one table's snapshot lineage: every snapshot after {@code
 * fromSnapshotIdExclusive} up to and including {@code toSnapshotId}, listed oldest first in {@code
 * snapshotIds}. Iceberg's incremental scans take the same pair of bounds.
 *
 * @param fromSnapshotIdExclusive the last snapshot before the range; null when the range starts at
 *     the table's first snapshot
 * @param toSnapshotId the newest snapshot in the range
 * @param snapshotIds the snapshots of the range, oldest first; ends with {@code toSnapshotId}
 */
public record SnapshotRange(
    Long fromSnapshotIdExclusive,
    @JsonProperty(required = true) long toSnapshotId,
    List<Long> snapshotIds) {

  public SnapshotRange {
    snapshotIds = snapshotIds == null ? List.of(toSnapshotId) : List.copyOf(snapshotIds);
    if (snapshotIds.isEmpty() || snapshotIds.get(snapshotIds.size() - 1) != toSnapshotId) {
      throw new IllegalArgumentException("snapshotIds must end with toSnapshotId " + toSnapshotId);
    }
  }

  /** The range made of one snapshot. */
  public static SnapshotRange single(Long parentSnapshotId, long snapshotId) {
    return new SnapshotRange(parentSnapshotId, snapshotId, List.of(snapshotId));
  }

  public boolean contains(long snapshotId) {
    return snapshotIds.contains(snapshotId);
  }
}
