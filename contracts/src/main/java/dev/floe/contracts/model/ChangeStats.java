package dev.floe.contracts.model;

/**
 * File, record and byte counts of a change, from Iceberg manifests; no data file is read. Deleted
 * rows of merge-on-read deletes are counted in {@code addedPositionDeletes} and {@code
 * addedEqualityDeletes}, since Iceberg cannot tell how many of them match live rows.
 */
public record ChangeStats(
    long addedDataFiles,
    long removedDataFiles,
    long addedDeleteFiles,
    long removedDeleteFiles,
    long addedRecords,
    long removedRecords,
    long addedPositionDeletes,
    long addedEqualityDeletes,
    long addedBytes,
    long removedBytes) {

  public static final ChangeStats EMPTY = new ChangeStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  public ChangeStats plus(ChangeStats o) {
    return new ChangeStats(
        addedDataFiles + o.addedDataFiles,
        removedDataFiles + o.removedDataFiles,
        addedDeleteFiles + o.addedDeleteFiles,
        removedDeleteFiles + o.removedDeleteFiles,
        addedRecords + o.addedRecords,
        removedRecords + o.removedRecords,
        addedPositionDeletes + o.addedPositionDeletes,
        addedEqualityDeletes + o.addedEqualityDeletes,
        addedBytes + o.addedBytes,
        removedBytes + o.removedBytes);
  }
}
