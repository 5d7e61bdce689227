package dev.floe.capture.rows;

import dev.floe.capture.read.GenericReaders;
import java.util.Map;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.DeleteFilter;
import org.apache.iceberg.data.GenericDeleteFilter;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IdentityPartitionConverters;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.PartitionUtil;

/**
 * The rows of one data file as one snapshot sees them: the file's rows minus those its deletes at
 * that snapshot (position deletes, deletion vectors, equality deletes) remove, projected onto a
 * schema. Reads Parquet and Avro data files.
 */
final class FileRows {
  private FileRows() {}

  /**
   * @param task a task planned at the snapshot, carrying the deletes that apply to its file there
   * @param schema the schema rows are projected onto
   */
  static CloseableIterable<Record> read(Table table, FileScanTask task, Schema schema) {
    DeleteFilter<Record> deletes = new GenericDeleteFilter(table.io(), task, schema, schema);
    Schema required = deletes.requiredSchema();
    Map<Integer, ?> constants =
        PartitionUtil.constantsMap(task, IdentityPartitionConverters::convertConstant);
    CloseableIterable<Record> records =
        GenericReaders.open(
            table.io(), task.file(), required, constants, task.start(), task.length());
    return CloseableIterable.transform(deletes.filter(records), r -> project(r, schema));
  }

  /** The row without the columns deletes needed (such as {@code _pos}). */
  private static Record project(Record row, Schema schema) {
    Types.StructType struct = schema.asStruct();
    if (row.struct().fields().size() == struct.fields().size()) {
      return row;
    }
    GenericRecord out = GenericRecord.create(struct);
    for (Types.NestedField field : struct.fields()) {
      out.setField(field.name(), row.getField(field.name()));
    }
    return out;
  }
}
