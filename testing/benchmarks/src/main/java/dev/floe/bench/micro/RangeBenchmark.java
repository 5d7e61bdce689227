package dev.floe.bench.micro;

import dev.floe.bench.SyntheticOrders;
import dev.floe.capture.range.RangeCalculator;
import dev.floe.contracts.model.FieldRange;
import dev.floe.stack.writer.Orders;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The change range of two fields (a timestamp and a long) over the data files of one change, taken
 * from their column statistics by the service's own {@link RangeCalculator}: the metadata work of
 * every capture, which grows with the files the change added, not with the table.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RangeBenchmark {
  private static final LocalDate FIRST_DAY = LocalDate.of(2026, 11, 1);

  @Param({"10", "1000"})
  public int files;

  private Table table;
  private List<DataFile> change;

  @Setup
  public void setUp() {
    InMemoryCatalog catalog = new InMemoryCatalog();
    catalog.initialize("bench", Map.of());
    catalog.createNamespace(Namespace.of("bench"));
    table =
        catalog.createTable(TableIdentifier.of("bench", "orders"), Orders.SCHEMA, Orders.BY_DAY);
    change = new ArrayList<>();
    for (int i = 0; i < files; i++) {
      change.add(SyntheticOrders.file(table, i, FIRST_DAY.plusDays(i % 14)));
    }
  }

  @Benchmark
  public List<FieldRange> ranges() {
    return RangeCalculator.compute(table, List.of("order_ts", "order_id"), change);
  }
}
