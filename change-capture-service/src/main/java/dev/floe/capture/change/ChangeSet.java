package dev.floe.capture.change;

import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.ChangeStats;
import java.util.List;
import java.util.stream.Stream;
import org.apache.iceberg.ContentFile;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileContent;

/**
 * The files one source snapshot added and removed, as Iceberg's own manifests list them. The file
 * objects are the source's: ICDC states reference their paths, and no data is copied.
 */
public record ChangeSet(
    long snapshotId,
    Long parentSnapshotId,
    ChangeKind kind,
    List<DataFile> addedData,
    List<DeleteFile> addedDeletes,
    List<DataFile> removedData,
    List<DeleteFile> removedDeletes) {

  public ChangeSet {
    addedData = List.copyOf(addedData);
    addedDeletes = List.copyOf(addedDeletes);
    removedData = List.copyOf(removedData);
    removedDeletes = List.copyOf(removedDeletes);
  }

  /** True when the change adds something readable: data files or delete files. */
  public boolean adds() {
    return !addedData.isEmpty() || !addedDeletes.isEmpty();
  }

  public boolean removesData() {
    return !removedData.isEmpty();
  }

  /** Every file the change touched, added and removed, data and deletes. */
  public Stream<ContentFile<?>> allFiles() {
    return Stream.of(addedData, addedDeletes, removedData, removedDeletes).flatMap(List::stream);
  }

  public ChangeStats stats() {
    return new ChangeStats(
        addedData.size(),
        removedData.size(),
        addedDeletes.size(),
        removedDeletes.size(),
        addedData.stream().mapToLong(ContentFile::recordCount).sum(),
        removedData.stream().mapToLong(ContentFile::recordCount).sum(),
        deletes(FileContent.POSITION_DELETES),
        deletes(FileContent.EQUALITY_DELETES),
        addedData.stream().mapToLong(ContentFile::fileSizeInBytes).sum()
            + addedDeletes.stream().mapToLong(ContentFile::fileSizeInBytes).sum(),
        removedData.stream().mapToLong(ContentFile::fileSizeInBytes).sum()
            + removedDeletes.stream().mapToLong(ContentFile::fileSizeInBytes).sum());
  }

  private long deletes(FileContent content) {
    return addedDeletes.stream()
        .filter(f -> f.content() == content)
        .mapToLong(ContentFile::recordCount)
        .sum();
  }
}
