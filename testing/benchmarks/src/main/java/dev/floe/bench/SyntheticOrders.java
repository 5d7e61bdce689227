package dev.floe.bench;

import dev.floe.stack.writer.Orders;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Metrics;
import org.apache.iceberg.Table;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Types;

/**
 * Data files of an {@link Orders} table that exist in metadata only, with the statistics a real
 * 1,000-row Parquet file of one day would have: ids {@code 1,000,000 + 1,000 i} onwards, order
 * times across the day, and an all-null note. Nothing may read them.
 */
public final class SyntheticOrders {
  private SyntheticOrders() {}

  public static DataFile file(Table table, int i, LocalDate day) {
    long firstId = 1_000_000L + i * 1_000L;
    long dayMicros = day.toEpochDay() * 86_400_000_000L;
    Map<Integer, ByteBuffer> lower = new HashMap<>();
    Map<Integer, ByteBuffer> upper = new HashMap<>();
    lower.put(1, Conversions.toByteBuffer(Types.LongType.get(), firstId));
    upper.put(1, Conversions.toByteBuffer(Types.LongType.get(), firstId + 999));
    lower.put(6, Conversions.toByteBuffer(Types.TimestampType.withZone(), dayMicros));
    upper.put(
        6, Conversions.toByteBuffer(Types.TimestampType.withZone(), dayMicros + 86_399_000_000L));
    Map<Integer, Long> counts = new HashMap<>();
    Map<Integer, Long> nulls = new HashMap<>();
    for (int field = 1; field <= 7; field++) {
      counts.put(field, 1_000L);
      nulls.put(field, field == 7 ? 1_000L : 0L);
    }
    return DataFiles.builder(table.spec())
        .withPath(table.location() + "/data/synthetic/" + day + "/part-" + i + ".parquet")
        .withFormat(FileFormat.PARQUET)
        .withFileSizeInBytes(48_000)
        .withPartitionPath("order_ts_day=" + day)
        .withMetrics(new Metrics(1_000L, null, counts, nulls, null, lower, upper))
        .build();
  }
}
