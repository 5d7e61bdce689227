package dev.floe.icdc;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.ContentFile;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileContent;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.util.ContentFileUtil;
import org.apache.iceberg.util.PartitionMap;

/**
 * What a range of snapshots touched: data files by path, and partitions in which every file may be
 * touched (by a partition-scoped delete); {@code global} when an equality delete of an
 * unpartitioned spec touched every file. Filled by {@link #touch} from each snapshot's changes,
 * then asked by {@link EndReader} which files of an end to keep. Not thread-safe.
 */
final class RangeScope {
  final Map<Integer, PartitionSpec> specs;
  final Set<String> paths = new HashSet<>();

  /** Every partition the range touched a file of, to prune data manifests with. */
  final PartitionMap<Boolean> partitions;

  final PartitionMap<Boolean> wholePartitions;
  boolean global;

  RangeScope(Map<Integer, PartitionSpec> specs) {
    this.specs = specs;
    this.partitions = PartitionMap.create(specs);
    this.wholePartitions = PartitionMap.create(specs);
  }

  void touch(ContentFile<?> file) {
    if (file instanceof DataFile data) {
      paths.add(data.location());
      partitions.put(data.specId(), data.partition(), true);
      return;
    }
    DeleteFile delete = (DeleteFile) file;
    String named = ContentFileUtil.referencedDataFileLocation(delete);
    if (delete.content() == FileContent.POSITION_DELETES && named != null) {
      paths.add(named);
      partitions.put(delete.specId(), delete.partition(), true);
    } else if (delete.content() == FileContent.EQUALITY_DELETES
        && specs.get(delete.specId()).isUnpartitioned()) {
      global = true;
    } else {
      partitions.put(delete.specId(), delete.partition(), true);
      wholePartitions.put(delete.specId(), delete.partition(), true);
    }
  }

  /** Whether the range may have changed how {@code file} reads. */
  boolean holds(DataFile file) {
    return global
        || paths.contains(file.location())
        || wholePartitions.containsKey(file.specId(), file.partition());
  }
}
