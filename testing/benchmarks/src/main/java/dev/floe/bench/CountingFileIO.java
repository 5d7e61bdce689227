package dev.floe.bench;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.hadoop.HadoopFileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.SeekableInputStream;

/**
 * Hadoop's FileIO that counts the bytes read and the files opened through it, so that a benchmark
 * can say how much a piece of work read. Named by {@code io-impl} in the catalog's properties.
 */
public class CountingFileIO extends HadoopFileIO {
  private static final AtomicLong BYTES = new AtomicLong();
  private static final AtomicLong OPENED = new AtomicLong();

  /** Zeroes the counters. */
  public static void reset() {
    BYTES.set(0);
    OPENED.set(0);
  }

  public static long bytesRead() {
    return BYTES.get();
  }

  public static long filesOpened() {
    return OPENED.get();
  }

  @Override
  public InputFile newInputFile(String path) {
    return new Counting(super.newInputFile(path));
  }

  @Override
  public InputFile newInputFile(String path, long length) {
    return new Counting(super.newInputFile(path, length));
  }

  private record Counting(InputFile file) implements InputFile {
    @Override
    public long getLength() {
      return file.getLength();
    }

    @Override
    public SeekableInputStream newStream() {
      OPENED.incrementAndGet();
      return new CountingStream(file.newStream());
    }

    @Override
    public String location() {
      return file.location();
    }

    @Override
    public boolean exists() {
      return file.exists();
    }
  }

  private static final class CountingStream extends SeekableInputStream {
    private final SeekableInputStream in;

    CountingStream(SeekableInputStream in) {
      this.in = in;
    }

    @Override
    public long getPos() throws IOException {
      return in.getPos();
    }

    @Override
    public void seek(long newPos) throws IOException {
      in.seek(newPos);
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        BYTES.incrementAndGet();
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int off, int len) throws IOException {
      int n = in.read(buffer, off, len);
      if (n > 0) {
        BYTES.addAndGet(n);
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
