package dev.floe.bench;

import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.model.TableRef;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.test.Events;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;

/**
 * What the benchmarks share: a counting catalog, their options, medians, and the event the listener
 * would publish.
 */
final class Bench {
  private Bench() {}

  /** The fixture's catalog as a JdbcCatalog whose FileIO counts what it reads. */
  static Catalog countingCatalog(CatalogFixture fixture) {
    Map<String, String> props = new HashMap<>(fixture.properties());
    props.put(CatalogUtil.ICEBERG_CATALOG_TYPE, CatalogUtil.ICEBERG_CATALOG_TYPE_JDBC);
    props.put("io-impl", CountingFileIO.class.getName());
    return CatalogUtil.buildIcebergCatalog(fixture.name(), props, new Configuration());
  }

  /** {@code --name value} pairs. */
  static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      options.put(args[i], args[i + 1]);
    }
    return options;
  }

  static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(Long::compare);
    return sorted.get(sorted.size() / 2);
  }

  /** The {@code SnapshotCommitted} the commit-listener publishes for {@code s}. */
  static SnapshotCommitted committed(TableRef ref, Table table, Snapshot s) {
    return Events.committed(ref, table, s);
  }
}
