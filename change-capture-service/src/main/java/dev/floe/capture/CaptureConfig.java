package dev.floe.capture;

import dev.floe.catalog.CatalogConfig;
import dev.floe.contracts.topic.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The change-capture-service's configuration: everything under {@code floe.}. */
@ConfigMapping(prefix = "floe")
public interface CaptureConfig {

  /** The catalog of the source tables and of the ICDC tables. */
  CatalogConfig catalog();

  TopicsConfig topics();

  /** Topic names; the defaults are the contract's. */
  interface TopicsConfig {
    /** Snapshot and table events, read. */
    @WithDefault(Topics.SNAPSHOTS)
    String snapshots();

    /** Captured change sets, written. */
    @WithDefault(Topics.CHANGES)
    String changes();
  }
}
