package dev.floe.stack.writer;

import dev.floe.stack.writer.ParquetFiles.PartitionSlot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileContent;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.RowDelta;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.BaseDeleteLoader;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.deletes.BaseDVFileWriter;
import org.apache.iceberg.expressions.Evaluator;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.OutputFileFactory;

/**
 * Merge-on-read deletes of rows, as Spark and Flink write them: by position (format version 2), by
 * deletion vector (version 3) and by equality. The bodies of {@link TableWriter}'s {@code
 * deleteRowsBy…} methods, which state their contracts; each commits at most once.
 */
final class RowDeletes {
  private RowDeletes() {}

  static Snapshot byPosition(Table table, Expression filter) {
    RowDelta delta = table.newRowDelta();
    int written = 0;
    for (DataFile file : liveDataFiles(table, filter)) {
      List<Long> positions = new ArrayList<>();
      long pos = 0;
      Evaluator matches = new Evaluator(table.schema().asStruct(), filter);
      InternalRecordWrapper wrapper = new InternalRecordWrapper(table.schema().asStruct());
      for (Record row : ParquetFiles.readFile(table, file)) {
        if (matches.eval(wrapper.wrap(row))) {
          positions.add(pos);
        }
        pos++;
      }
      if (!positions.isEmpty()) {
        delta.addDeletes(ParquetFiles.writePositionDeletes(table, file, positions));
        written++;
      }
    }
    if (written == 0) {
      return table.currentSnapshot();
    }
    delta.commit();
    return table.currentSnapshot();
  }

  static Snapshot byVector(Table table, Expression filter) {
    Map<String, List<DeleteFile>> previous = new HashMap<>();
    List<DataFile> files = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().filter(filter).planFiles()) {
      for (FileScanTask task : tasks) {
        files.add(task.file());
        previous.put(task.file().location(), positionDeletes(task));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    BaseDVFileWriter vectors = vectorWriter(table, previous);
    Evaluator matches = new Evaluator(table.schema().asStruct(), filter);
    InternalRecordWrapper wrapper = new InternalRecordWrapper(table.schema().asStruct());
    int written = 0;
    try (vectors) {
      for (DataFile file : files) {
        PartitionSpec spec = table.specs().get(file.specId());
        long pos = 0;
        for (Record row : ParquetFiles.readFile(table, file)) {
          if (matches.eval(wrapper.wrap(row))) {
            vectors.delete(file.location(), pos, spec, file.partition());
            written++;
          }
          pos++;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (written == 0) {
      return table.currentSnapshot();
    }
    // From the snapshot the vectors were merged on: a vector added since would be lost.
    RowDelta delta = table.newRowDelta().validateFromSnapshot(table.currentSnapshot().snapshotId());
    vectors.result().deleteFiles().forEach(delta::addDeletes);
    vectors.result().rewrittenDeleteFiles().forEach(delta::removeDeletes);
    delta.commit();
    return table.currentSnapshot();
  }

  /**
   * The position deletes (files or vectors) that apply to the task's file, to merge into a vector.
   */
  static List<DeleteFile> positionDeletes(FileScanTask task) {
    return task.deletes().stream()
        .filter(d -> d.content() == FileContent.POSITION_DELETES)
        .toList();
  }

  /**
   * A writer of deletion vectors, each merged with the position deletes its data file had ({@code
   * previous}, by data file path), which the commit then replaces.
   */
  static BaseDVFileWriter vectorWriter(Table table, Map<String, List<DeleteFile>> previous) {
    BaseDeleteLoader loader = new BaseDeleteLoader(d -> table.io().newInputFile(d));
    OutputFileFactory outputs =
        OutputFileFactory.builderFor(table, 1, System.nanoTime()).format(FileFormat.PUFFIN).build();
    return new BaseDVFileWriter(
        outputs,
        path -> {
          List<DeleteFile> had = previous.getOrDefault(path, List.of());
          return had.isEmpty() ? null : loader.loadPositionDeletes(had, path);
        });
  }

  static Snapshot byEquality(Table table, String column, Collection<?> values) {
    List<DeleteFile> deletes = equalityDeletes(table, column, values);
    if (deletes.isEmpty()) {
      return table.currentSnapshot();
    }
    RowDelta delta = table.newRowDelta();
    deletes.forEach(delta::addDeletes);
    delta.commit();
    return table.currentSnapshot();
  }

  /** Equality deletes of {@code values}, one per partition holding a live row of one of them. */
  static List<DeleteFile> equalityDeletes(Table table, String column, Collection<?> values) {
    if (values.isEmpty() || table.currentSnapshot() == null) {
      return List.of();
    }
    Expression filter = Expressions.in(column, values.toArray());
    Schema keySchema = table.schema().select(column);
    int fieldId = table.schema().findField(column).fieldId();
    Map<PartitionSlot, List<Record>> keysByPartition = new LinkedHashMap<>();
    Evaluator matches = new Evaluator(table.schema().asStruct(), filter);
    InternalRecordWrapper wrapper = new InternalRecordWrapper(table.schema().asStruct());
    for (DataFile file : liveDataFiles(table, filter)) {
      for (Record row : ParquetFiles.readFile(table, file)) {
        if (matches.eval(wrapper.wrap(row))) {
          GenericRecord key = GenericRecord.create(keySchema);
          key.setField(column, row.getField(column));
          keysByPartition
              .computeIfAbsent(
                  new PartitionSlot(file.specId(), file.partition()), s -> new ArrayList<>())
              .add(key);
        }
      }
    }
    List<DeleteFile> deletes = new ArrayList<>();
    keysByPartition.forEach(
        (slot, keys) ->
            deletes.add(ParquetFiles.writeEqualityDeletes(table, slot, keySchema, fieldId, keys)));
    return deletes;
  }

  private static List<DataFile> liveDataFiles(Table table, Expression filter) {
    List<DataFile> files = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().filter(filter).planFiles()) {
      tasks.forEach(task -> files.add(task.file()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }
}
