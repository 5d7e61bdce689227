package dev.floe.backfill.engine;

import dev.floe.backfill.BackfillConfig;
import dev.floe.backfill.plan.BackfillPlanner;
import dev.floe.backfill.run.BackfillMachine;
import dev.floe.backfill.run.BackfillState;
import dev.floe.backfill.run.BackfillTopology;
import dev.floe.backfill.run.BackfillUpdates;
import dev.floe.backfill.status.BackfillMetrics;
import dev.floe.backfill.validate.BackgroundValidation;
import dev.floe.backfill.validate.ChunkValidation;
import dev.floe.broker.CompactedTopicReader;
import dev.floe.broker.Daemons;
import dev.floe.broker.DecisionCore;
import dev.floe.broker.KafkaClients;
import dev.floe.broker.ServiceStartup;
import dev.floe.broker.StreamsSettings;
import dev.floe.broker.TopicSpec;
import dev.floe.catalog.CatalogHandle;
import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.topic.Topics;
import dev.floe.problem.OwnerCalls;
import dev.floe.problem.ProblemException;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Wires and runs the backfill service: prepares the topics, reads capture and trigger definitions,
 * and runs the decision core (Kafka Streams, exactly_once_v2). The broker may be down at start-up:
 * the service starts, reports not ready, and retries.
 */
@ApplicationScoped
public class BackfillRuntime {
  public static final String SERVICE = BackfillTopology.SERVICE;
  private static final Logger LOG = Logger.getLogger(BackfillRuntime.class);

  private final BackfillConfig config;
  private final KafkaClients kafka;
  private final CatalogHandle catalog;
  private final BackfillMetrics metrics;
  private final BackfillPlanner planner;
  private final String instanceId;
  // Where other instances reach this one: its application.server.
  private final String address;
  private final Map<String, CaptureDefined> captures = new ConcurrentHashMap<>();
  private final Map<String, TriggerDefined> triggers = new ConcurrentHashMap<>();
  private final ScheduledExecutorService maintenance =
      Executors.newSingleThreadScheduledExecutor(Daemons.named("floe-backfill-maintenance"));
  // Chunks are checked here, off the decision core's thread: a webhook may take its time-out, so
  // four checks of other chunks can go on beside a slow one.
  private final ExecutorService validationWorkers =
      Executors.newFixedThreadPool(4, Daemons.named("floe-backfill-validation"));

  /** How long the decision core waits for a chunk's check before it asks again at a tick. */
  private static final Duration VALIDATION_INLINE = Duration.ofMillis(250);

  private final ServiceStartup startup;
  private final PlanWriter plans;
  private final BackfillUpdates updates = new BackfillUpdates();
  private volatile CompactedTopicReader definitions;
  private volatile DecisionCore core;

  @Inject
  public BackfillRuntime(
      BackfillConfig config,
      KafkaClients kafka,
      CatalogHandle catalog,
      MeterRegistry meters,
      @ConfigProperty(name = "quarkus.http.host", defaultValue = "0.0.0.0") String httpHost,
      @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080") int httpPort) {
    this.address = DecisionCore.address(config.backfill().advertisedAddress(), httpHost, httpPort);
    this.config = config;
    this.kafka = kafka;
    this.catalog = catalog;
    this.metrics = new BackfillMetrics(meters);
    this.instanceId = config.backfill().instanceId().orElseGet(KafkaClients::hostName);
    this.planner =
        new BackfillPlanner(
            catalog::get,
            config.backfill().icdcNamespace(),
            config.backfill().retention(),
            config.backfill().maxChunks());
    this.startup = new ServiceStartup(SERVICE, kafka, this::topics);
    this.plans = new PlanWriter(kafka, instanceId);
  }

  void start(@Observes StartupEvent started) {
    startup.start("floe-backfill", this::run);
  }

  private void run() {
    definitions =
        new CompactedTopicReader(
            kafka.consumer(
                KafkaClients.readCommittedFromStart(
                    "floe-backfill-" + instanceId + "-definitions")),
            List.of(config.topics().captures(), config.topics().triggers()),
            (topic, key, payload) -> {
              if (topic.equals(config.topics().captures())) {
                apply(captures, CaptureDefined.class, topic, key, payload);
              } else {
                apply(triggers, TriggerDefined.class, topic, key, payload);
              }
            },
            "floe-backfill-definitions");
    // Requests name captures and triggers: answer them only once those defined so far are known.
    if (!startup.readDefinitions(
        definitions, "capture and trigger definitions", "floe-backfill-" + instanceId + "-probe")) {
      return;
    }
    BackfillMachine machine =
        new BackfillMachine(
            new BackgroundValidation(
                new ChunkValidation(catalog::get, config.backfill().webhookTimeout()),
                validationWorkers,
                VALIDATION_INLINE,
                // A webhook gets its time-out; a record count, however large the target, ten
                // minutes.
                config.backfill().webhookTimeout().plusMinutes(10),
                Clock.systemUTC()),
            config.backfill().chunkTimeout());
    core =
        DecisionCore.start(
            BackfillTopology.build(
                new BackfillTopology.Topics(
                    config.topics().runs(),
                    config.topics().inbox(),
                    config.topics().backfills(),
                    Topics.deadLetter(SERVICE),
                    config.backfill().tick(),
                    config.backfill().retention()),
                machine,
                (state, payload) -> {
                  metrics.published(state, payload);
                  updates.changed(state);
                }),
            streamsConfig());
    BackfillPinKeeper pins =
        new BackfillPinKeeper(catalog::get, metrics, config.backfill().maintenanceInterval());
    // The gauges and the pins, every 5 s; a failed pass must not end the schedule.
    maintenance.scheduleWithFixedDelay(
        () -> {
          try {
            // The heads, read once for the gauges and the pins; the pins only from a store read
            // while the core ran throughout: an empty answer while it moves is not "none".
            boolean running = streamsState() == KafkaStreams.State.RUNNING;
            List<BackfillState> held = all();
            metrics.refresh(held);
            if (running && streamsState() == KafkaStreams.State.RUNNING) {
              pins.pass(held, Instant.now());
            }
          } catch (StoreUnavailableException e) {
            metrics.refresh(List.of());
            LOG.debugf("backfill pins: the store is not readable now: %s", e.getMessage());
          } catch (RuntimeException e) {
            LOG.warnf("backfill maintenance pass failed: %s", e.toString());
          }
        },
        2,
        5,
        TimeUnit.SECONDS);
    startup.state("running");
  }

  /**
   * A tombstone removes a definition; an event of another type is skipped, never taken for a
   * deletion, so that one stray record cannot make a trigger or capture unknown to backfills.
   */
  private static <T> void apply(
      Map<String, T> registry, Class<T> type, String topic, String key, Object payload) {
    if (key == null) {
      return;
    }
    if (payload == null) {
      registry.remove(key);
    } else if (type.isInstance(payload)) {
      registry.put(key, type.cast(payload));
    } else {
      LOG.warnf(
          "%s on %s is a %s, not a %s: skipped, the definition stays",
          key, topic, payload.getClass().getSimpleName(), type.getSimpleName());
    }
  }

  private Properties streamsConfig() {
    return StreamsSettings.exactlyOnce(
        kafka,
        config.backfill().groupId(),
        "floe-backfill-" + instanceId,
        config.backfill().stateDir(),
        address);
  }

  /**
   * A backfill from this instance's store; empty when there is none.
   *
   * @throws StoreUnavailableException when this instance does not hold its partition now (another
   *     one does, or it is restoring, or moving), so it cannot say
   */
  public Optional<BackfillState> backfill(String id) {
    DecisionCore c = core;
    DecisionCore.Owner owner = owner(id);
    if (c == null || !(owner instanceof DecisionCore.Owner.Here here)) {
      throw new StoreUnavailableException(
          owner instanceof DecisionCore.Owner.Unknown unknown
              ? unknown.why()
              : "backfill " + id + " is held by another instance now");
    }
    try {
      BackfillState s = c.get(BackfillTopology.STATE, here.partition(), id);
      if (s == null) {
        return Optional.empty();
      }
      // One handle for every chunk the view reads, not a lookup of the store per chunk.
      ReadOnlyKeyValueStore<String, BackfillState.Chunk> chunks =
          c.partition(BackfillTopology.CHUNKS, here.partition());
      return Optional.of(s.attach((b, i) -> chunk(chunks, b, i)));
    } catch (InvalidStateStoreException e) {
      throw new StoreUnavailableException(e.getMessage());
    }
  }

  /** A chunk, as a view reads it; 503 once it can't be read (moved, or forgotten since). */
  private static BackfillState.Chunk chunk(
      ReadOnlyKeyValueStore<String, BackfillState.Chunk> chunks, String id, int index) {
    try {
      return Optional.ofNullable(chunks.get(BackfillTopology.chunkKey(id, index)))
          .orElseThrow(() -> new StoreUnavailableException("chunk " + index + " of " + id));
    } catch (InvalidStateStoreException e) {
      throw new StoreUnavailableException(e.getMessage());
    }
  }

  /**
   * The backfills of the partitions this instance holds, with those partitions.
   *
   * @throws StoreUnavailableException while one of them cannot be read here
   */
  public DecisionCore.Held<BackfillState> heldHere() {
    DecisionCore c = core;
    if (c == null) {
      throw new StoreUnavailableException(
          "the backfill store is not ready: the decision core is not started ("
              + startup.state()
              + ")");
    }
    try {
      return c.held(BackfillTopology.STATE, config.topics().inbox(), address);
    } catch (InvalidStateStoreException e) {
      throw new StoreUnavailableException(e.getMessage());
    }
  }

  /** The backfills this instance holds. */
  public List<BackfillState> all() {
    return heldHere().values();
  }

  /** Which partitions of the backfills each instance holds, by the group's assignment. */
  public Map<HostInfo, Set<Integer>> assigned() {
    DecisionCore c = core;
    return c == null ? Map.of() : c.assigned(BackfillTopology.STATE, config.topics().inbox());
  }

  /** How many partitions the backfills are spread over. */
  public int partitions() {
    return config.topics().partitions();
  }

  /** The store can't be read now: restoring after a restart, or rebalancing. Answered 503. */
  public static final class StoreUnavailableException extends ProblemException {
    StoreUnavailableException(String why) {
      super(
          503,
          "unavailable",
          "Backfill state not ready",
          why + "; try again shortly",
          List.of(),
          OwnerCalls.RETRY_AFTER_SECONDS);
    }
  }

  /** Which instance holds a backfill's state now. */
  public DecisionCore.Owner owner(String backfillId) {
    DecisionCore c = core;
    return c == null
        ? new DecisionCore.Owner.Unknown("the decision core is not started")
        : c.owner(BackfillTopology.STATE, backfillId, address);
  }

  /** Where this instance answers other instances. */
  public String address() {
    return address;
  }

  public KafkaStreams.State streamsState() {
    DecisionCore c = core;
    return c == null ? null : c.state();
  }

  /**
   * Whether the decision core has run with its partitions at least once: before that, the store
   * behind every backfill view cannot be read, and the API answers them 503.
   */
  public boolean storeServed() {
    DecisionCore c = core;
    return c != null && c.served();
  }

  public BackfillConfig config() {
    return config;
  }

  /** Tells REST calls when the decision core applied their commands on this instance. */
  public BackfillUpdates updates() {
    return updates;
  }

  public BackfillPlanner planner() {
    return planner;
  }

  public CatalogHandle catalog() {
    return catalog;
  }

  public Optional<CaptureDefined> capture(String id) {
    return Optional.ofNullable(captures.get(id));
  }

  public Optional<TriggerDefined> trigger(String id) {
    return Optional.ofNullable(triggers.get(id));
  }

  public Producer<String, byte[]> writer() {
    return startup.writer();
  }

  public PlanWriter plans() {
    return plans;
  }

  public CompactedTopicReader definitions() {
    return definitions;
  }

  public String state() {
    return startup.state();
  }

  private List<TopicSpec> topics() {
    int partitions = config.topics().partitions();
    return List.of(
        TopicSpec.stream(config.topics().runs(), partitions),
        TopicSpec.stream(config.topics().backfills(), partitions),
        TopicSpec.stream(config.topics().inbox(), partitions),
        TopicSpec.compacted(config.topics().captures(), Math.min(partitions, 3)),
        TopicSpec.compacted(config.topics().triggers(), Math.min(partitions, 3)),
        TopicSpec.stream(Topics.deadLetter(SERVICE), 1));
  }

  void stop(@Observes ShutdownEvent stopped) {
    startup.stop(
        () -> {
          maintenance.shutdownNow();
          DecisionCore c = core;
          if (c != null) {
            c.close();
          }
          // After the decision core: a check it could still collect is not cut short.
          validationWorkers.shutdownNow();
          plans.close();
        });
  }
}
