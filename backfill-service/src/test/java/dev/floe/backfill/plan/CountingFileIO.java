package dev.floe.backfill.plan;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.hadoop.HadoopFileIO;
import org.apache.iceberg.io.InputFile;

/** Hadoop file IO that counts the data files opened: planning must open none. */
public class CountingFileIO extends HadoopFileIO {
  static final AtomicInteger DATA_FILES_OPENED = new AtomicInteger();

  @Override
  public InputFile newInputFile(String path) {
    count(path);
    return super.newInputFile(path);
  }

  @Override
  public InputFile newInputFile(String path, long length) {
    count(path);
    return super.newInputFile(path, length);
  }

  private static void count(String path) {
    if (path.endsWith(".parquet") || path.endsWith(".avro") && path.contains("/data/")) {
      DATA_FILES_OPENED.incrementAndGet();
    }
  }
}
