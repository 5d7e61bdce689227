package dev.floe.listener;

import dev.floe.catalog.CatalogConfig;
import dev.floe.contracts.topic.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The commit-listener's configuration: everything under {@code floe.}. */
@ConfigMapping(prefix = "floe")
public interface ListenerConfig {

  /** The catalog whose tables are watched. */
  CatalogConfig catalog();

  TopicsConfig topics();

  /** Topic names; the defaults are the contract's. */
  interface TopicsConfig {
    /** Where snapshot and table events are published. */
    @WithDefault(Topics.SNAPSHOTS)
    String snapshots();
  }
}
