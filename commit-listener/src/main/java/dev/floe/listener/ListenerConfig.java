package dev.floe.listener;

import dev.floe.catalog.CatalogConfig;
import dev.floe.contracts.topic.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The commit-listener's configuration: everything under {@code floe.}. */
@ConfigMapping(prefix = "floe")
public interface ListenerConfig {

  /** The catalog whose tables are watched. */
  CatalogConfig catalog();

  TopicsConfig topics();

  Listener listener();

  /** Topic names and sizes; the names default to the contract's. */
  interface TopicsConfig {
    /** Where snapshot and table events are published. */
    @WithDefault(Topics.SNAPSHOTS)
    String snapshots();

    /**
     * Per-table checkpoints (compacted); its partitions decide which instance polls which table.
     */
    @WithDefault(Topics.LISTENER_CHECKPOINTS)
    String checkpoints();

    /** Watch definitions made over REST (compacted). */
    @WithDefault(Topics.WATCHES)
    String watches();

    /** Push hints from writers; co-partitioned with the checkpoints. */
    @WithDefault(Topics.HINTS)
    String hints();

    /**
     * Partitions of the topics created at start-up; at most this many listener instances share
     * work.
     */
    @WithDefault("12")
    @Min(1)
    @Max(1000)
    int partitions();
  }

  /** The listener proper. */
  interface Listener {
    /**
     * Names this instance: its transactional id derives from it, so a restarted instance with the
     * same id fences its previous incarnation at once. Defaults to the host name.
     */
    Optional<String> instanceId();

    /** The consumer group of all instances; instances of one group share the tables. */
    @WithDefault("floe-commit-listener")
    String groupId();

    Watches watch();

    /**
     * Branches followed on configured and discovered tables; {@code main} unless others are opted
     * in.
     */
    @WithDefault("main")
    List<String> branches();

    /** Where publication starts for a configured table with no checkpoint: earliest or latest. */
    @WithDefault("earliest")
    String initialPosition();

    Poll poll();

    /** How often watched namespaces are listed to find new tables. */
    @WithDefault("30s")
    Duration discoveryInterval();

    /** The most catalog calls (table loads) in flight at once. */
    @WithDefault("4")
    @Min(1)
    @Max(256)
    int maxConcurrentCatalogCalls();

    /**
     * The Kafka transaction timeout: how long a crashed instance's open transaction can delay the
     * instance that takes over its tables.
     */
    @WithDefault("10s")
    Duration transactionTimeout();
  }

  /** Tables to watch. */
  interface Watches {
    /** Namespace globs whose tables are all watched: {@code sales}, {@code sales.*}, {@code **}. */
    Optional<List<String>> namespaces();

    /** Tables to watch, as {@code namespace.table}. */
    Optional<List<String>> tables();
  }

  /** Adaptive polling. */
  interface Poll {
    /** The interval of a table that just changed. */
    @WithDefault("1s")
    Duration minInterval();

    /** The longest interval, reached by tables that stay idle or keep failing. */
    @WithDefault("30s")
    Duration maxInterval();
  }
}
