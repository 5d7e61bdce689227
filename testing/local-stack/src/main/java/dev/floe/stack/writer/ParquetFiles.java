package dev.floe.stack.writer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.deletes.PositionDelete;
import org.apache.iceberg.deletes.PositionDeleteWriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.parquet.Parquet;

/**
 * The Parquet files a {@link TableWriter} commits, written as Spark or Flink writes them: data
 * files with real column statistics, one per partition, and position and equality delete files
 * placed in the partition they apply to; and a data file's rows read back as written. Each file
 * gets a fresh random name; nothing is committed here.
 */
final class ParquetFiles {
  private ParquetFiles() {}

  /** A partition of one spec: where a delete file must be written to apply to a data file. */
  record PartitionSlot(int specId, StructLike partition) {}

  /** Writes the records into one Parquet file per partition of the table's current spec. */
  static List<DataFile> writeDataFiles(Table table, Collection<Record> records) {
    PartitionSpec spec = table.spec();
    Schema schema = table.schema();
    Map<PartitionKey, List<Record>> byPartition = new LinkedHashMap<>();
    PartitionKey key = new PartitionKey(spec, schema);
    InternalRecordWrapper wrapper = new InternalRecordWrapper(schema.asStruct());
    for (Record record : records) {
      key.partition(wrapper.wrap(record));
      byPartition.computeIfAbsent(key.copy(), k -> new ArrayList<>()).add(record);
    }
    List<DataFile> files = new ArrayList<>();
    byPartition.forEach(
        (partition, rows) -> files.add(writeDataFile(table, spec, partition, rows)));
    return files;
  }

  private static DataFile writeDataFile(
      Table table, PartitionSpec spec, PartitionKey partition, List<Record> rows) {
    StructLike partitionValue = spec.isUnpartitioned() ? null : partition;
    OutputFile out =
        table
            .io()
            .newOutputFile(
                table.locationProvider().newDataLocation(spec, partitionValue, fileName("data")));
    try {
      DataWriter<Record> writer =
          Parquet.writeData(out)
              .forTable(table)
              .withSpec(spec)
              .withPartition(partitionValue)
              .createWriterFunc(GenericParquetWriter::create)
              .overwrite()
              .build();
      try (writer) {
        rows.forEach(writer::write);
      }
      return writer.toDataFile();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out.location(), e);
    }
  }

  /** Deletes {@code positions} of {@code file}, in a file of its partition. */
  static DeleteFile writePositionDeletes(Table table, DataFile file, List<Long> positions) {
    PartitionSpec spec = table.specs().get(file.specId());
    OutputFile out =
        table
            .io()
            .newOutputFile(
                table
                    .locationProvider()
                    .newDataLocation(spec, file.partition(), fileName("pos-deletes")));
    try {
      PositionDeleteWriter<Record> writer =
          // Not forTable(): it sets a row schema, and position deletes carry no row data.
          Parquet.writeDeletes(out)
              .setAll(table.properties())
              .metricsConfig(MetricsConfig.forPositionDelete())
              .withSpec(spec)
              .withPartition(file.partition())
              .overwrite()
              .buildPositionWriter();
      PositionDelete<Record> delete = PositionDelete.create();
      try (writer) {
        for (long pos : positions) {
          writer.write(delete.set(file.location(), pos));
        }
      }
      return writer.toDeleteFile();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out.location(), e);
    }
  }

  /** Deletes the rows equal to one of {@code keys} in field {@code fieldId}, in {@code slot}. */
  static DeleteFile writeEqualityDeletes(
      Table table, PartitionSlot slot, Schema keySchema, int fieldId, List<Record> keys) {
    PartitionSpec spec = table.specs().get(slot.specId());
    OutputFile out =
        table
            .io()
            .newOutputFile(
                table
                    .locationProvider()
                    .newDataLocation(spec, slot.partition(), fileName("eq-deletes")));
    try {
      EqualityDeleteWriter<Record> writer =
          Parquet.writeDeletes(out)
              .forTable(table)
              .withSpec(spec)
              .withPartition(slot.partition())
              .rowSchema(keySchema)
              .equalityFieldIds(fieldId)
              .createWriterFunc(GenericParquetWriter::create)
              .overwrite()
              .buildEqualityWriter();
      try (writer) {
        keys.forEach(writer::write);
      }
      return writer.toDeleteFile();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out.location(), e);
    }
  }

  /** The rows of {@code file} as written, its deletes not applied, in the current schema. */
  static List<Record> readFile(Table table, DataFile file) {
    Schema schema = table.schema();
    List<Record> rows = new ArrayList<>();
    try (CloseableIterable<Record> reader =
        Parquet.read(table.io().newInputFile(file.location()))
            .project(schema)
            .createReaderFunc(fileSchema -> GenericParquetReaders.buildReader(schema, fileSchema))
            .build()) {
      reader.forEach(row -> rows.add(row.copy()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  private static String fileName(String kind) {
    return kind + "-" + UUID.randomUUID() + ".parquet";
  }
}
