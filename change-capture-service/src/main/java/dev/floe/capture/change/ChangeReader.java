package dev.floe.capture.change;

import dev.floe.contracts.model.ChangeKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotChanges;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.FileIO;

/**
 * Reads what one snapshot changed from the manifests it wrote: O(change), whatever the table's
 * size, and no data file is opened.
 */
public final class ChangeReader {
  private ChangeReader() {}

  public static ChangeSet read(Table source, Snapshot snapshot) {
    SnapshotChanges changes = SnapshotChanges.builderFor(source).snapshot(snapshot).build();
    List<DataFile> addedData = new ArrayList<>();
    List<DeleteFile> addedDeletes = new ArrayList<>();
    List<DataFile> removedData = new ArrayList<>();
    List<DeleteFile> removedDeletes = new ArrayList<>();
    changes.addedDataFiles().forEach(f -> addedData.add(f.copy()));
    changes.addedDeleteFiles().forEach(f -> addedDeletes.add(f.copy()));
    changes.removedDataFiles().forEach(f -> removedData.add(f.copy()));
    withStats(source, snapshot, removedData);
    changes.removedDeleteFiles().forEach(f -> removedDeletes.add(f.copy()));
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
   * Puts back the column statistics of removed data files, which Iceberg drops from the entries of
   * removed files. They are read from the parent's manifests that this snapshot replaced, where the
   * files were live: only the manifests the commit rewrote, so the cost stays O(change). When the
   * parent has expired, the files keep no statistics and their ranges fall back to partitions.
   */
  private static void withStats(Table source, Snapshot snapshot, List<DataFile> removed) {
    if (removed.isEmpty() || snapshot.parentId() == null) {
      return;
    }
    Snapshot parent = source.snapshot(snapshot.parentId());
    if (parent == null) {
      return;
    }
    FileIO io = source.io();
    Map<String, Integer> wanted = new HashMap<>();
    for (int i = 0; i < removed.size(); i++) {
      wanted.put(removed.get(i).location(), i);
    }
    Set<String> kept = new HashSet<>();
    snapshot.dataManifests(io).forEach(m -> kept.add(m.path()));
    for (ManifestFile manifest : parent.dataManifests(io)) {
      if (wanted.isEmpty()) {
        return;
      }
      if (kept.contains(manifest.path())) {
        continue;
      }
      try (ManifestReader<DataFile> files = ManifestFiles.read(manifest, io, source.specs())) {
        for (DataFile file : files) {
          Integer at = wanted.remove(file.location());
          if (at != null) {
            removed.set(at, file.copy());
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
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
