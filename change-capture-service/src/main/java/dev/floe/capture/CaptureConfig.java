package dev.floe.capture;

import dev.floe.catalog.CatalogConfig;
import dev.floe.contracts.topic.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import java.util.Optional;

/** The change-capture-service's configuration: everything under {@code floe.}. */
@ConfigMapping(prefix = "floe")
public interface CaptureConfig {

  /** The catalog of the source tables and of the ICDC tables. */
  CatalogConfig catalog();

  TopicsConfig topics();

  Capture capture();

  /** Topic names; the defaults are the contract's. */
  interface TopicsConfig {
    /** Snapshot and table events, read. */
    @WithDefault(Topics.SNAPSHOTS)
    String snapshots();

    /** Captured change sets, written. */
    @WithDefault(Topics.CHANGES)
    String changes();

    /** Capture definitions (compacted). */
    @WithDefault(Topics.CAPTURES)
    String captures();

    /** Trigger definitions (compacted), read: which triggers read each capture. */
    @WithDefault(Topics.TRIGGERS)
    String triggers();

    /** What each trigger still needs of each capture (compacted), read: pins are released by it. */
    @WithDefault(Topics.CONSUMPTION)
    String consumption();

    /** Partitions of the topics created at start-up. */
    @WithDefault("12")
    @Min(1)
    @Max(1000)
    int partitions();
  }

  /** Capture behaviour and defaults of new captures. */
  interface Capture {
    /** Names this instance; its transactional id derives from it. Defaults to the host name. */
    Optional<String> instanceId();

    /** The consumer group of all instances; they share the source tables. */
    @WithDefault("floe-change-capture")
    String groupId();

    /** The namespace of ICDC tables when a capture names none. */
    @WithDefault("floe_icdc")
    String icdcNamespace();

    /** How long a change set stays readable when a capture says nothing. */
    @WithDefault("P7D")
    Duration icdcTtl();

    /** How long a source snapshot stays pinned when a capture says nothing. */
    @WithDefault("P3D")
    Duration pinTtl();

    /** How often expired ICDC states and pins are cleaned up. */
    @WithDefault("10m")
    Duration maintenanceInterval();

    /** The longest back-off between retries of a capture that failed transiently. */
    @WithDefault("30s")
    Duration maxBackoff();

    /**
     * How long one Kafka transaction may keep capturing before it commits: a backlog's events
     * become visible in steps of this, not all at the end.
     */
    @WithDefault("500ms")
    Duration batchBudget();

    /**
     * The most snapshots of one table captured together when a backlog has built up: their ICDC
     * states go in one catalog commit and their pins in one commit on the source, each change still
     * with its own tags and event. Without a backlog each snapshot is captured as it comes.
     */
    @WithDefault("50")
    @Min(1)
    @Max(500)
    int groupMaxSnapshots();

    /**
     * The most tables of one poll captured at once. A table's capture waits mostly on the catalog
     * and storage, so a backlog over many tables is captured side by side; each table's snapshots
     * stay in order. 1 captures one table after the other.
     */
    @WithDefault("4")
    @Min(1)
    @Max(64)
    int parallelism();

    /**
     * Partitions of the row-stream topics ({@code floe.rows.<namespace>.<table>}, {@code
     * floe.transactions.<namespace>.<table>} or {@code floe.capture.<capture>.transaction}) that
     * the service creates when they are missing. One keeps every event of a table in commit order;
     * with more, order holds per row key.
     */
    @WithDefault("1")
    int rowPartitions();

    /**
     * The most rows a row stream's initial snapshot ({@code rowStreamSnapshot}) publishes: they go
     * in one Kafka transaction, which must end within the transaction timeout. A larger table's
     * stream begins without one, and the log says so.
     */
    @WithDefault("1000000")
    long rowSnapshotMaxRows();

    /** The Kafka transaction timeout. */
    @WithDefault("30s")
    Duration transactionTimeout();
  }
}
