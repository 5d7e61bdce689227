package dev.floe.backfill;

import dev.floe.catalog.CatalogConfig;
import dev.floe.contracts.topic.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** The backfill-service's configuration: everything under {@code floe.}. */
@ConfigMapping(prefix = "floe")
public interface BackfillConfig {

  /** The catalog of the source tables that backfills are planned on. */
  CatalogConfig catalog();

  TopicsConfig topics();

  Backfill backfill();

  /** Topic names; the defaults are the contract's. */
  interface TopicsConfig {
    /** Backfill lifecycle, written. */
    @WithDefault(Topics.BACKFILLS)
    String backfills();

    /** Job-run lifecycle: runs requested for chunks are written, their outcomes read. */
    @WithDefault(Topics.RUNS)
    String runs();

    /** Capture definitions, read: a backfill may name a capture instead of a table. */
    @WithDefault(Topics.CAPTURES)
    String captures();

    /** Trigger definitions, read: a backfill names the trigger whose job runs its chunks. */
    @WithDefault(Topics.TRIGGERS)
    String triggers();

    /**
     * The service's own input, keyed by backfill: operators' commands and the outcomes of chunk
     * runs, routed from {@code floe.runs}.
     */
    @WithDefault("floe.backfill.inbox")
    String inbox();

    /** Partitions of the topics this service creates when they are missing. */
    @WithDefault("12")
    int partitions();
  }

  /** Planning and running. */
  interface Backfill {
    /** A request whose chunking makes more chunks than this is rejected (400, {@code chunking}). */
    @WithDefault("10000")
    int maxChunks();

    /** The namespace of the ICDC tables that hold chunk states, one per source table. */
    @WithDefault("floe_icdc")
    String icdcNamespace();

    /**
     * How long chunk states, and the tag that pins the planned source snapshot, are kept: a
     * backfill, its retries included, must finish within it.
     */
    @WithDefault("P7D")
    Duration retention();

    /** A chunk whose run has not ended after this long is failed ({@code timed out}). */
    @WithDefault("PT6H")
    Duration chunkTimeout();

    /** The most a webhook validation may take before the chunk is invalid. */
    @WithDefault("PT10S")
    Duration webhookTimeout();

    /** The Kafka Streams application id, shared by every instance. */
    @WithDefault("floe-backfill")
    String groupId();

    /** This instance's name: static group membership and client ids; the host name if unset. */
    Optional<String> instanceId();

    /**
     * Where other instances reach this one's REST API, {@code host:port}, to ask it for a backfill
     * it holds. Defaults to the HTTP host (the host name when it listens on every interface) and
     * port; in Kubernetes, the pod's IP and port.
     */
    Optional<String> advertisedAddress();

    /** Where the state store lives; a directory under the system's temp dir if unset. */
    Optional<String> stateDir();

    /** How often running chunks are checked for timeouts. */
    @WithDefault("5s")
    Duration tick();

    /**
     * How often the expiry of unfinished backfills' pins is measured for {@code
     * floe_backfill_pin_expiry_timestamp_seconds}; a completed backfill's pins are released within
     * seconds whatever this is.
     */
    @WithDefault("PT10M")
    Duration maintenanceInterval();
  }
}
