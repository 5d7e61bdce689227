package dev.floe.backfill;

import dev.floe.catalog.CatalogConfig;
import dev.floe.contracts.topic.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The backfill-service's configuration: everything under {@code floe.}. */
@ConfigMapping(prefix = "floe")
public interface BackfillConfig {

  /** The catalog of the source tables that backfills are planned on. */
  CatalogConfig catalog();

  TopicsConfig topics();

  /** Topic names; the defaults are the contract's. */
  interface TopicsConfig {
    /** Backfill lifecycle, written. */
    @WithDefault(Topics.BACKFILLS)
    String backfills();

    /** Job-run lifecycle: runs requested for chunks, and their outcome. */
    @WithDefault(Topics.RUNS)
    String runs();
  }
}
