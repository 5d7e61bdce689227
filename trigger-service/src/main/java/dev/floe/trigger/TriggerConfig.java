package dev.floe.trigger;

import dev.floe.catalog.CatalogConfig;
import dev.floe.contracts.topic.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** The trigger-service's configuration: everything under {@code floe.}. */
@ConfigMapping(prefix = "floe")
public interface TriggerConfig {

  /** The catalog of the ICDC tables that runs read. */
  CatalogConfig catalog();

  TopicsConfig topics();

  Trigger trigger();

  /** Topic names; the defaults are the contract's. */
  interface TopicsConfig {
    /** Captured change sets, read. */
    @WithDefault(Topics.CHANGES)
    String changes();

    /** Job-run lifecycle, written. */
    @WithDefault(Topics.RUNS)
    String runs();

    /** Trigger definitions (compacted). */
    @WithDefault(Topics.TRIGGERS)
    String triggers();

    /**
     * What each trigger still needs of each capture (compacted), written; the capture releases its
     * source pins by it.
     */
    @WithDefault(Topics.CONSUMPTION)
    String consumption();

    /** Changes re-keyed by trigger id, internal to the decision core. */
    @WithDefault("floe.trigger.changes-by-trigger")
    String changesByTrigger();

    /** Partitions of the topics created at start-up. */
    @WithDefault("12")
    @Min(1)
    @Max(1000)
    int partitions();
  }

  /** Trigger behaviour and defaults of new triggers. */
  interface Trigger {
    /** Names this instance. Defaults to the host name. */
    Optional<String> instanceId();

    /** The Kafka Streams application id that instances share; they split the triggers. */
    @WithDefault("floe-trigger")
    String groupId();

    /**
     * Where other instances reach this one's REST API, {@code host:port}, to ask it for the status
     * of a trigger it holds. Defaults to the HTTP host (the host name when it listens on every
     * interface) and port; in Kubernetes, the pod's IP and port.
     */
    Optional<String> advertisedAddress();

    /** Where the decision core keeps its local state; rebuilt from Kafka when lost. */
    Optional<String> stateDir();

    /** How often time is looked at: quiet periods, maximum delays, retries and timeouts. */
    @WithDefault("1s")
    Duration tick();

    /** How jobs are started. */
    Launch launch();

    /** How long a run may take when a trigger says nothing. */
    @WithDefault("PT1H")
    Duration runTimeout();

    /** Attempts of a run when a trigger says nothing. */
    @WithDefault("3")
    @Min(1)
    int maxAttempts();

    /** The first retry's back-off when a trigger says nothing; it doubles for each later one. */
    @WithDefault("PT30S")
    Duration retryBackoff();
  }

  /** Launching jobs. */
  interface Launch {
    /** Connect and answer timeout of one call to a job's HTTP endpoint. */
    @WithDefault("10s")
    Duration timeout();

    /** Calls of one launch when the endpoint fails transiently, the first included. */
    @WithDefault("3")
    @Min(1)
    int tries();

    /** The wait before the second call; it doubles. */
    @WithDefault("1s")
    Duration backoff();

    /**
     * Calls to job endpoints in flight at once, per instance. Each trigger's runs launch one at a
     * time; past this many, further triggers' runs wait for a call to be answered.
     */
    @WithDefault("16")
    @Min(1)
    int concurrency();

    /**
     * Maestro's caller, sent in its {@code user} header, for maestro launchers that name none.
     * Maestro refuses a start without a caller.
     */
    @WithDefault("floe")
    String maestroUser();

    /**
     * Secrets that launcher headers name as {@code ${secret:<name>}}, by name: kept in the
     * service's configuration (a mounted file, a Kubernetes Secret), never in a definition.
     */
    Map<String, String> secrets();
  }
}
