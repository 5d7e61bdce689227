package dev.floe.trigger;

import dev.floe.catalog.CatalogConfig;
import dev.floe.contracts.topic.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The trigger-service's configuration: everything under {@code floe.}. */
@ConfigMapping(prefix = "floe")
public interface TriggerConfig {

  /** The catalog of the ICDC tables that runs read. */
  CatalogConfig catalog();

  TopicsConfig topics();

  /** Topic names; the defaults are the contract's. */
  interface TopicsConfig {
    /** Captured change sets, read. */
    @WithDefault(Topics.CHANGES)
    String changes();

    /** Job-run lifecycle, written. */
    @WithDefault(Topics.RUNS)
    String runs();
  }
}
