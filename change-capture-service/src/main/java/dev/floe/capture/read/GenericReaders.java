package dev.floe.capture.read;

import java.util.Map;
import org.apache.iceberg.ContentFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Schema;
import org.apache.iceberg.avro.Avro;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.avro.PlannedDataReader;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.parquet.Parquet;

/**
 * Opens a data file with Iceberg's generic readers, as the capture reads rows: for exact ranges and
 * for the row stream. Reads Parquet and Avro; ORC has no generic reader here.
 */
public final class GenericReaders {
  private GenericReaders() {}

  /** Whether {@link #open} reads files of {@code format}. */
  public static boolean reads(FileFormat format) {
    return format == FileFormat.PARQUET || format == FileFormat.AVRO;
  }

  /**
   * The rows of {@code file} from byte {@code start} for {@code length} bytes (a scan task's split;
   * the whole file for 0 and its size), projected onto {@code projection}.
   *
   * @param constants values of columns the file does not store, by field id (identity partitions)
   * @throws UnsupportedOperationException when {@link #reads} says no to the file's format
   */
  public static CloseableIterable<Record> open(
      FileIO io,
      ContentFile<?> file,
      Schema projection,
      Map<Integer, ?> constants,
      long start,
      long length) {
    InputFile input = io.newInputFile(file.location());
    if (file.format() == FileFormat.PARQUET) {
      return Parquet.read(input)
          .project(projection)
          .split(start, length)
          .createReaderFunc(
              fileSchema -> GenericParquetReaders.buildReader(projection, fileSchema, constants))
          .build();
    }
    if (file.format() == FileFormat.AVRO) {
      return Avro.read(input)
          .project(projection)
          .split(start, length)
          .createResolvingReader(s -> PlannedDataReader.create(s, constants))
          .build();
    }
    throw new UnsupportedOperationException(
        "no generic reader for " + file.format() + " data file " + file.location());
  }
}
