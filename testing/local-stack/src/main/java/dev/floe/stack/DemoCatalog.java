package dev.floe.stack;

import dev.floe.stack.catalog.CatalogFixture;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;

/**
 * The demo writer's catalog: the stack's catalog with Floe's commit reporter, so that each demo
 * commit reaches the commit-listener as a push hint. The reporter is loaded by class name, as a
 * writer loads it; without it on the classpath the demo relies on polling alone.
 *
 * @param pushHints whether the reporter was loaded
 */
record DemoCatalog(Catalog catalog, boolean pushHints) {
  /** The writer-side reporter that turns commits into push hints, loaded by name. */
  static final String REPORTER = "dev.floe.reporter.FloeCommitReporter";

  /**
   * @param listener the commit-listener, which takes the hints
   */
  static DemoCatalog of(CatalogFixture catalog, URI listener) {
    Map<String, String> props = new LinkedHashMap<>(catalog.properties());
    props.put("metrics-reporter-impl", REPORTER);
    props.put("floe.reporter.url", listener.toString());
    try {
      Catalog reporting =
          CatalogUtil.buildIcebergCatalog(catalog.name(), props, new Configuration());
      return new DemoCatalog(reporting, true);
    } catch (RuntimeException e) {
      System.err.println("commit reporter not on the classpath, the demo relies on polling: " + e);
      return new DemoCatalog(catalog.catalog(), false);
    }
  }
}
