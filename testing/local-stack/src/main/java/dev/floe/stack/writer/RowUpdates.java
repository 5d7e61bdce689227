package dev.floe.stack.writer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.MetadataColumns;
import org.apache.iceberg.RowDelta;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericDeleteFilter;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.deletes.BaseDVFileWriter;
import org.apache.iceberg.expressions.Evaluator;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.TypeUtil;

/**
 * Row-level changes that write new rows beside the deletes of the old: Spark's merge-on-read {@code
 * UPDATE} and Flink's upsert. The bodies of {@link TableWriter#updateRows} and {@link
 * TableWriter#upsert}, which state their contracts; each commits at most once.
 */
final class RowUpdates {
  private RowUpdates() {}

  static Snapshot update(Table table, Expression filter, UnaryOperator<Record> update) {
    if (table.currentSnapshot() == null) {
      return null;
    }
    Schema schema = table.schema();
    Map<String, List<Long>> positions = new LinkedHashMap<>();
    List<Record> updated = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().filter(filter).planFiles()) {
      for (FileScanTask task : tasks) {
        // The live rows of the file with their positions, as a reader applies its deletes.
        GenericDeleteFilter deletes = new GenericDeleteFilter(table.io(), task, schema, schema);
        Schema read =
            deletes.requiredSchema().findField(MetadataColumns.ROW_POSITION.fieldId()) == null
                ? TypeUtil.join(deletes.requiredSchema(), new Schema(MetadataColumns.ROW_POSITION))
                : deletes.requiredSchema();
        Evaluator matches = new Evaluator(read.asStruct(), filter);
        InternalRecordWrapper wrapper = new InternalRecordWrapper(read.asStruct());
        try (CloseableIterable<Record> rows =
            deletes.filter(
                Parquet.read(table.io().newInputFile(task.file().location()))
                    .project(read)
                    .createReaderFunc(
                        fileSchema -> GenericParquetReaders.buildReader(read, fileSchema))
                    .build())) {
          for (Record row : rows) {
            if (!matches.eval(wrapper.wrap(row))) {
              continue;
            }
            positions
                .computeIfAbsent(task.file().location(), k -> new ArrayList<>())
                .add((Long) row.getField(MetadataColumns.ROW_POSITION.name()));
            GenericRecord copy = GenericRecord.create(schema);
            schema.columns().forEach(c -> copy.setField(c.name(), row.getField(c.name())));
            updated.add(update.apply(copy));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (updated.isEmpty()) {
      return table.currentSnapshot();
    }
    Map<String, DataFile> files = new HashMap<>();
    Map<String, List<DeleteFile>> previous = new HashMap<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        if (positions.containsKey(task.file().location())) {
          files.put(task.file().location(), task.file());
          previous.put(task.file().location(), RowDeletes.positionDeletes(task));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    RowDelta delta = table.newRowDelta().validateFromSnapshot(table.currentSnapshot().snapshotId());
    if (((HasTableOperations) table).operations().current().formatVersion() >= 3) {
      BaseDVFileWriter vectors = RowDeletes.vectorWriter(table, previous);
      try (vectors) {
        positions.forEach(
            (path, at) -> {
              DataFile file = files.get(path);
              at.forEach(
                  pos ->
                      vectors.delete(
                          path, pos, table.specs().get(file.specId()), file.partition()));
            });
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      vectors.result().deleteFiles().forEach(delta::addDeletes);
      vectors.result().rewrittenDeleteFiles().forEach(delta::removeDeletes);
    } else {
      positions.forEach(
          (path, at) ->
              delta.addDeletes(ParquetFiles.writePositionDeletes(table, files.get(path), at)));
    }
    ParquetFiles.writeDataFiles(table, updated).forEach(delta::addRows);
    delta.commit();
    return table.currentSnapshot();
  }

  static Snapshot upsert(Table table, String column, Collection<Record> rows) {
    List<Object> keys = new ArrayList<>();
    rows.forEach(r -> keys.add(r.getField(column)));
    RowDelta delta = table.newRowDelta();
    RowDeletes.equalityDeletes(table, column, keys).forEach(delta::addDeletes);
    ParquetFiles.writeDataFiles(table, rows).forEach(delta::addRows);
    delta.commit();
    return table.currentSnapshot();
  }
}
