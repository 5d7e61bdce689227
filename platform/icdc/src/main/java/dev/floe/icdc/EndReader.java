package dev.floe.icdc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.util.PartitionMap;

/**
 * Reads, at one end of a range, the touched data files that are live there, each with the delete
 * files that apply to it, skipping the manifests whose partition summaries cannot hold a touched
 * partition. Counts the manifests it read and skipped over all the ends it is asked for. Reads
 * metadata only; not thread-safe.
 */
final class EndReader {
  /** A live data file at one end, with the delete files that apply to it there. */
  record Entry(DataFile file, List<DeleteFile> deletes) {
    Set<String> deletePaths() {
      return deletes.stream().map(RangeStates::key).collect(Collectors.toSet());
    }
  }

  private final Table source;
  private final RangeScope scope;
  private int read;
  private int skipped;

  EndReader(Table source, RangeScope scope) {
    this.source = source;
    this.scope = scope;
  }

  int manifestsRead() {
    return read;
  }

  int manifestsSkipped() {
    return skipped;
  }

  /** The touched data files live at {@code snapshot}, by path. */
  Map<String, Entry> read(Snapshot snapshot) {
    PartitionPruning byScope = new PartitionPruning(scope.specs, scope.partitions);
    Map<String, DataFile> data = new HashMap<>();
    PartitionMap<Boolean> kept = PartitionMap.create(source.specs());
    for (ManifestFile manifest : snapshot.dataManifests(source.io())) {
      if (!scope.global && !byScope.mayHold(manifest)) {
        skipped++;
        continue;
      }
      read++;
      try (ManifestReader<DataFile> files =
          ManifestFiles.read(manifest, source.io(), source.specs())) {
        for (DataFile file : files) {
          if (scope.holds(file)) {
            data.put(file.location(), file.copy());
            kept.put(file.specId(), file.partition(), true);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (data.isEmpty()) {
      return Map.of();
    }
    EndDeletes deletes = new EndDeletes(source.specs(), source.schema());
    PartitionPruning byKept = new PartitionPruning(source.specs(), kept);
    for (ManifestFile manifest : snapshot.deleteManifests(source.io())) {
      boolean globalSpec = source.specs().get(manifest.partitionSpecId()).isUnpartitioned();
      if (!globalSpec && !byKept.mayHold(manifest)) {
        skipped++;
        continue;
      }
      read++;
      try (ManifestReader<DeleteFile> files =
          ManifestFiles.readDeleteManifest(manifest, source.io(), source.specs())) {
        for (DeleteFile file : files) {
          deletes.add(file.copy());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Map<String, Entry> entries = new HashMap<>();
    data.forEach((path, file) -> entries.put(path, new Entry(file, deletes.forFile(file))));
    return entries;
  }
}
