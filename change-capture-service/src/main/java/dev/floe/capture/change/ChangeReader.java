package dev.floe.capture.change;

import dev.floe.contracts.model.ChangeKind;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.FileIO;

/**
 * Reads what one snapshot changed from the manifests it wrote: O(change), whatever the table's
 * size, and no data file is opened.
 */
public final class ChangeReader {
  private ChangeReader() {}

  public static ChangeSet read(Table source, Snapshot snapshot) {
    FileIO io = source.io();
    List<org.apache.iceberg.DataFile> addedData = new ArrayList<>();
    List<org.apache.iceberg.DeleteFile> addedDeletes = new ArrayList<>();
    List<org.apache.iceberg.DataFile> removedData = new ArrayList<>();
    List<org.apache.iceberg.DeleteFile> removedDeletes = new ArrayList<>();
    snapshot.addedDataFiles(io).forEach(f -> addedData.add(f.copy()));
    snapshot.addedDeleteFiles(io).forEach(f -> addedDeletes.add(f.copy()));
    snapshot.removedDataFiles(io).forEach(f -> removedData.add(f.copy()));
    snapshot.removedDeleteFiles(io).forEach(f -> removedDeletes.add(f.copy()));
    return new ChangeSet(
        snapshot.snapshotId(),
        snapshot.parentId(),
        kind(
            snapshot.operation(),
            addedData.isEmpty(),
            removedData.isEmpty(),
            addedDeletes.isEmpty()),
        addedData,
        addedDeletes,
        removedData,
        removedDeletes);
  }

  /**
   * The change kind from Iceberg's operation and what the snapshot actually did: a {@code delete}
   * that only adds delete files is a row-level delete; one that removes data files is a delete.
   */
  static ChangeKind kind(
      String operation, boolean noAddedData, boolean noRemovedData, boolean noAddedDeletes) {
    if (operation == null) {
      return noRemovedData && noAddedDeletes ? ChangeKind.APPEND : ChangeKind.OVERWRITE;
    }
    return switch (operation) {
      case DataOperations.APPEND -> ChangeKind.APPEND;
      case DataOperations.REPLACE -> ChangeKind.REPLACE;
      case DataOperations.DELETE ->
          noRemovedData && !noAddedDeletes ? ChangeKind.ROW_DELETE : ChangeKind.DELETE;
      default ->
          noAddedData && noRemovedData && !noAddedDeletes
              ? ChangeKind.ROW_DELETE
              : ChangeKind.OVERWRITE;
    };
  }
}
