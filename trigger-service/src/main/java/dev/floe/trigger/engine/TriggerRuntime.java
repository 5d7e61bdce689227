package dev.floe.trigger.engine;

import dev.floe.broker.CompactedTopicReader;
import dev.floe.broker.Daemons;
import dev.floe.broker.DeadLetterOnce;
import dev.floe.broker.DeadLetters;
import dev.floe.broker.DecisionCore;
import dev.floe.broker.KafkaClients;
import dev.floe.broker.ServiceStartup;
import dev.floe.broker.StreamsSettings;
import dev.floe.broker.TopicSpec;
import dev.floe.catalog.CatalogHandle;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.topic.Topics;
import dev.floe.trigger.TriggerConfig;
import dev.floe.trigger.decide.BackgroundUnions;
import dev.floe.trigger.decide.IcdcUnions;
import dev.floe.trigger.decide.TriggerState;
import dev.floe.trigger.decide.TriggerTopology;
import dev.floe.trigger.launch.JobLauncher;
import dev.floe.trigger.launch.LaunchLoop;
import dev.floe.trigger.launch.LaunchSecrets;
import dev.floe.trigger.status.TriggerMetrics;
import dev.floe.trigger.status.TriggerStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Wires and runs the trigger service: prepares the topics, reads the trigger definitions and runs
 * the decision core (Kafka Streams, exactly_once_v2). The broker may be down at start-up: the
 * service starts, reports not ready, and retries.
 */
@ApplicationScoped
public class TriggerRuntime {
  public static final String SERVICE = "trigger-service";
  private static final Logger LOG = Logger.getLogger(TriggerRuntime.class);

  private final LaunchSecrets launchSecrets;
  private final TriggerConfig config;
  private final KafkaClients kafka;
  private final CatalogHandle catalog;
  private final TriggerMetrics metrics;
  private final ScheduledExecutorService gauges =
      Executors.newSingleThreadScheduledExecutor(Daemons.named("floe-trigger-gauges"));
  // Union states form here, off the decision core's thread: two, for two cores and a catalog's I/O.
  private final ExecutorService unionWorkers =
      Executors.newFixedThreadPool(2, Daemons.named("floe-trigger-unions"));

  /** How long the decision core waits for a run's union before it requests the run later. */
  private static final Duration UNION_INLINE = Duration.ofMillis(250);

  private final TriggerRegistry registry = new TriggerRegistry();
  private final String instanceId;
  // Where other instances reach this one: its application.server.
  private final String address;
  private final ServiceStartup startup;
  private volatile CompactedTopicReader definitions;
  private volatile DecisionCore core;
  private volatile LaunchLoop launches;
  private volatile Thread launcherThread;

  @Inject
  public TriggerRuntime(
      TriggerConfig config,
      KafkaClients kafka,
      CatalogHandle catalog,
      MeterRegistry meters,
      @ConfigProperty(name = "quarkus.http.host", defaultValue = "0.0.0.0") String httpHost,
      @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080") int httpPort) {
    this.address = DecisionCore.address(config.trigger().advertisedAddress(), httpHost, httpPort);
    this.metrics = new TriggerMetrics(meters);
    this.config = config;
    this.kafka = kafka;
    this.catalog = catalog;
    this.instanceId = config.trigger().instanceId().orElseGet(KafkaClients::hostName);
    this.launchSecrets = new LaunchSecrets(config.trigger().launch().secrets());
    this.startup = new ServiceStartup(SERVICE, kafka, this::topics);
  }

  void start(@Observes StartupEvent started) {
    DeadLetters.declare(TriggerTopology.DEAD_LETTER_REASONS);
    startup.start("floe-trigger", this::run);
  }

  private void run() {
    DeadLetterOnce bad = startup.closeOnStop(DeadLetterOnce.of(kafka, SERVICE));
    definitions =
        new CompactedTopicReader(
            kafka.consumer(readerConfig()),
            List.of(config.topics().triggers()),
            new CompactedTopicReader.Handler() {
              @Override
              public boolean accepts(String topic, Payload payload) {
                return payload instanceof TriggerDefined;
              }

              @Override
              public void apply(String topic, String key, Payload payload) {
                registry.apply(key, (TriggerDefined) payload);
                if (payload != null) {
                  metrics.defined(key);
                }
              }

              @Override
              public void invalid(ConsumerRecord<String, byte[]> record, EventDecodingException e) {
                // Every instance reads it, and the decision core's copy of the definitions too:
                // it is dead-lettered here, once for all of them.
                bad.deadLetter(record, e.reason().code(), e.getMessage());
              }
            },
            "floe-trigger-definitions");
    // The decision core reads its own copy of the definitions: it starts at once, and joins its
    // group while the launcher waits for the definitions below.
    core =
        DecisionCore.start(
            TriggerTopology.build(
                streamTopics(),
                new BackgroundUnions(
                    new IcdcUnions(catalog::get), unionWorkers, UNION_INLINE, Clock.systemUTC())),
            streamsConfig());
    // A launch needs its trigger: the definitions that existed at start-up are read first.
    if (!startup.readDefinitions(
        definitions, "trigger definitions", "floe-trigger-" + instanceId + "-probe")) {
      return;
    }
    launches =
        new LaunchLoop(
            kafka.consumer(launcherConsumerConfig()),
            kafka.producer(
                Map.of(
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                    config.trigger().groupId() + "-launcher-" + instanceId,
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                    true,
                    ProducerConfig.ACKS_CONFIG,
                    "all",
                    ProducerConfig.CLIENT_ID_CONFIG,
                    "floe-trigger-" + instanceId + "-launcher")),
            config.topics().runs(),
            registry::get,
            new JobLauncher(
                config.trigger().launch().timeout(),
                config.trigger().launch().tries(),
                config.trigger().launch().backoff(),
                launchSecrets,
                config.trigger().launch().maestroUser(),
                Clock.systemUTC()),
            config.trigger().launch().concurrency(),
            metrics,
            Clock.systemUTC());
    Thread launcher = new Thread(launches, "floe-trigger-launcher");
    launcherThread = launcher;
    launcher.start();
    gauges.scheduleWithFixedDelay(this::refreshGauges, 5, 10, TimeUnit.SECONDS);
    startup.state("running");
  }

  private Map<String, Object> launcherConsumerConfig() {
    Map<String, Object> props = readerConfig();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, config.trigger().groupId() + "-launcher");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "floe-trigger-" + instanceId + "-launcher");
    props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "floe-trigger-launcher-" + instanceId);
    props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20);
    // Cooperative alone (a range assignor beside it would keep the group eager): a rebalance
    // takes from an instance only the partitions that move, the others' launches go on, and only
    // the moving ones wait for their calls in flight (the loop's hand-over).
    props.put(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        CooperativeStickyAssignor.class.getName());
    return props;
  }

  private TriggerTopology.Topics streamTopics() {
    return new TriggerTopology.Topics(
        config.topics().changes(),
        config.topics().runs(),
        config.topics().triggers(),
        config.topics().changesByTrigger(),
        Topics.deadLetter(SERVICE),
        config.topics().consumption(),
        config.trigger().tick());
  }

  private Properties streamsConfig() {
    return StreamsSettings.exactlyOnce(
        kafka,
        config.trigger().groupId(),
        "floe-trigger-" + instanceId,
        config.trigger().stateDir(),
        address);
  }

  /**
   * The decision state this instance holds of a trigger in its partition, or null when it has none
   * yet.
   *
   * @throws InvalidStateStoreException when the store cannot be read now (not running, restoring,
   *     rebalancing)
   */
  public TriggerState heldState(int partition, String triggerId) {
    DecisionCore c = core;
    if (c == null) {
      throw new InvalidStateStoreException("the decision core is not started");
    }
    return c.get(TriggerTopology.STATE, partition, triggerId);
  }

  /** Which instance holds a trigger's decision state now. */
  public DecisionCore.Owner owner(String triggerId) {
    DecisionCore c = core;
    return c == null
        ? new DecisionCore.Owner.Unknown("the decision core is not started")
        : c.owner(TriggerTopology.STATE, triggerId, address);
  }

  private Optional<ReadOnlyKeyValueStore<String, TriggerState>> store() {
    DecisionCore c = core;
    return c == null ? Optional.empty() : c.store(TriggerTopology.STATE);
  }

  /**
   * Pending change sets, lag and hold of the triggers whose state this instance holds, and zeros
   * for every other defined trigger, which the dashboards' sums and maxima over instances ignore.
   */
  private void refreshGauges() {
    Map<String, TriggerStatus> byTrigger = new HashMap<>();
    Instant now = Instant.now();
    Optional<ReadOnlyKeyValueStore<String, TriggerState>> store = store();
    if (store.isEmpty()) {
      return;
    }
    try (KeyValueIterator<String, TriggerState> all = store.get().all()) {
      all.forEachRemaining(e -> byTrigger.put(e.key, TriggerStatus.of(e.key, e.value, now)));
    } catch (InvalidStateStoreException e) {
      return; // rebalancing: the next refresh sees the new assignment
    }
    // A defined trigger with no state here reads idle: held by another instance, or by none yet.
    TriggerStatus idle = TriggerStatus.of("", TriggerState.empty(now), now);
    registry.all().forEach(t -> byTrigger.putIfAbsent(t.triggerId(), idle));
    metrics.decisions(byTrigger);
  }

  /** The decision core's state: RUNNING once it has its partitions; null before it starts. */
  public KafkaStreams.State streamsState() {
    DecisionCore c = core;
    return c == null ? null : c.state();
  }

  public TriggerConfig config() {
    return config;
  }

  /** The secrets launcher headers name: the launcher resolves them, the REST API checks them. */
  public LaunchSecrets launchSecrets() {
    return launchSecrets;
  }

  public TriggerRegistry registry() {
    return registry;
  }

  public Producer<String, byte[]> writer() {
    return startup.writer();
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
        TopicSpec.stream(config.topics().changes(), partitions),
        TopicSpec.stream(config.topics().runs(), partitions),
        // Co-partitioned with floe.runs: the decision core reads both into one store per trigger.
        TopicSpec.stream(config.topics().changesByTrigger(), partitions),
        TopicSpec.compacted(config.topics().triggers(), Math.min(partitions, 3)),
        TopicSpec.compacted(config.topics().consumption(), Math.min(partitions, 3)),
        TopicSpec.stream(Topics.deadLetter(SERVICE), 1));
  }

  private Map<String, Object> readerConfig() {
    return KafkaClients.readCommittedFromStart("floe-trigger-" + instanceId + "-definitions");
  }

  void stop(@Observes ShutdownEvent stopped) {
    startup.stop(
        () -> {
          gauges.shutdownNow();
          LaunchLoop l = launches;
          if (l != null) {
            l.close();
          }
          DecisionCore c = core;
          if (c != null) {
            c.close();
          }
          // After the decision core: a union it could still collect is not cut short.
          unionWorkers.shutdownNow();
          Thread t = launcherThread;
          if (t != null) {
            try {
              // The loop writes the outcomes of its calls in flight before it goes.
              // The hand-over, then closing the consumer and the producer (5 s each at most).
              t.join(LaunchLoop.HAND_OVER_WAIT.plusSeconds(12).toMillis());
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
  }
}
