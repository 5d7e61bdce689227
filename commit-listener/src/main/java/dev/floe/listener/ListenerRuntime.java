package dev.floe.listener;

import dev.floe.broker.Daemons;
import dev.floe.broker.DeadLetterOnce;
import dev.floe.broker.DeadLetters;
import dev.floe.broker.KafkaClients;
import dev.floe.broker.ServiceStartup;
import dev.floe.broker.TopicSpec;
import dev.floe.broker.TransactionalChannel;
import dev.floe.catalog.CatalogHandle;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.model.InitialPosition;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import dev.floe.listener.hint.HintIntake;
import dev.floe.listener.poll.PollSchedule;
import dev.floe.listener.publish.CatalogPoller;
import dev.floe.listener.publish.ListenerEngine;
import dev.floe.listener.status.ListenerMetrics;
import dev.floe.listener.status.TableStatuses;
import dev.floe.listener.watch.NamespacePattern;
import dev.floe.listener.watch.SharedStateReader;
import dev.floe.listener.watch.TableDiscovery;
import dev.floe.listener.watch.Watch;
import dev.floe.listener.watch.WatchRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.Producer;
import org.jboss.logging.Logger;

/**
 * Wires and runs the listener: prepares the topics, reads the shared state, runs the engine loop
 * and table discovery, and stops them in order. The broker may be down at start-up: the service
 * then starts, reports not ready, and keeps trying.
 */
@ApplicationScoped
public class ListenerRuntime {
  private static final Logger LOG = Logger.getLogger(ListenerRuntime.class);
  static final String SERVICE = "commit-listener";

  private final ListenerConfig config;
  private final KafkaClients kafka;
  private final CatalogHandle catalog;
  private final WatchRegistry watches = new WatchRegistry();
  private final TableStatuses statuses = new TableStatuses();
  private final ListenerMetrics metrics;
  private final String instanceId;
  private final TableDiscovery discovery;
  private final ScheduledExecutorService discoveryTimer =
      Executors.newSingleThreadScheduledExecutor(Daemons.named("floe-listener-discovery"));
  private final ServiceStartup startup;
  private volatile ListenerEngine engine;
  private volatile SharedStateReader reader;

  @Inject
  public ListenerRuntime(
      ListenerConfig config, KafkaClients kafka, CatalogHandle catalog, MeterRegistry registry) {
    this.config = config;
    this.kafka = kafka;
    this.catalog = catalog;
    this.metrics = new ListenerMetrics(registry);
    this.instanceId = config.listener().instanceId().orElseGet(KafkaClients::hostName);
    this.startup = new ServiceStartup(SERVICE, kafka, this::topics);
    this.watches.configure(configuredWatches());
    this.discovery =
        new TableDiscovery(
            catalog.name(),
            config.listener().watch().namespaces().orElse(List.of()).stream()
                .map(NamespacePattern::of)
                .toList(),
            config.listener().branches());
    metrics.gauge(
        "floe.listener.tables.watched", "Tables watched by the deployment", watches::size);
    metrics.gauge(
        "floe.listener.tables.owned",
        "Watched tables this instance polls",
        () -> engine == null ? 0 : engine.ownedTables());
  }

  private List<Watch> configuredWatches() {
    InitialPosition position = initialPosition(config.listener().initialPosition());
    return config.listener().watch().tables().orElse(List.of()).stream()
        .map(
            name ->
                new Watch(
                    TableRef.parse(catalog.name(), name),
                    config.listener().branches(),
                    position,
                    Watch.Source.CONFIG))
        .toList();
  }

  static InitialPosition initialPosition(String value) {
    for (InitialPosition p : InitialPosition.values()) {
      if (p.wireName().equals(value.toLowerCase(Locale.ROOT))) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "floe.listener.initial-position=" + value + " is not earliest or latest");
  }

  void start(@Observes StartupEvent started) {
    DeadLetters.declare(HintIntake.DEAD_LETTER_REASONS);
    LOG.infof(
        "commit-listener %s: %d configured tables, namespaces %s, branches %s",
        instanceId,
        watches.size(),
        config.listener().watch().namespaces().orElse(List.of()),
        config.listener().branches());
    startup.start("floe-listener", this::run);
  }

  private void run() {
    reader =
        new SharedStateReader(
            kafka.consumer(consumerConfig("state")),
            config.topics().watches(),
            config.topics().checkpoints(),
            watches,
            metrics,
            DeadLetterOnce.of(kafka, SERVICE));
    startup.closeOnStop(reader);
    reader.start();
    if (discovery.enabled()) {
      long every = config.listener().discoveryInterval().toMillis();
      discoveryTimer.scheduleWithFixedDelay(this::discover, 0, every, TimeUnit.MILLISECONDS);
    }
    engine =
        new ListenerEngine(
            new ListenerEngine.Settings(
                config.topics().snapshots(),
                config.topics().checkpoints(),
                config.topics().hints(),
                config.topics().partitions(),
                Event.sourceOf(SERVICE),
                config.listener().maxConcurrentCatalogCalls()),
            new TransactionalChannel.Clients() {
              @Override
              public Producer<String, byte[]> transactionalProducer() {
                return kafka.producer(transactionalConfig());
              }

              @Override
              public org.apache.kafka.clients.consumer.Consumer<String, byte[]> groupConsumer() {
                return kafka.consumer(groupConfig());
              }
            },
            startup.writer(),
            new CatalogPoller(catalog, Clock.systemUTC()),
            watches,
            new PollSchedule(
                config.listener().poll().minInterval(), config.listener().poll().maxInterval()),
            statuses,
            metrics,
            Clock.systemUTC());
    startup.state("running");
    engine.run();
  }

  private void discover() {
    try {
      List<Watch> found = discovery.discover(catalog.get());
      Set<String> present = new HashSet<>();
      for (Watch watch : found) {
        present.add(watch.key());
        watches.discovered(watch);
      }
      for (Watch watch : watches.all()) {
        if (watch.source() == Watch.Source.DISCOVERED
            && !present.contains(watch.key())
            && reader.checkpoint(watch.key()).map(cp -> cp.dropped()).orElse(false)) {
          watches.undiscover(watch.key());
        }
      }
    } catch (RuntimeException e) {
      LOG.warnf(
          "table discovery failed, retrying in %s: %s",
          config.listener().discoveryInterval(), e.toString());
    }
  }

  private List<TopicSpec> topics() {
    int partitions = config.topics().partitions();
    return List.of(
        TopicSpec.stream(config.topics().snapshots(), partitions),
        TopicSpec.compacted(config.topics().checkpoints(), partitions).withExactPartitions(),
        TopicSpec.stream(config.topics().hints(), partitions).withExactPartitions(),
        TopicSpec.compacted(config.topics().watches(), Math.min(partitions, 3)),
        TopicSpec.stream(Topics.deadLetter(SERVICE), 1));
  }

  private Map<String, Object> transactionalConfig() {
    return KafkaClients.transactional(
        config.listener().groupId() + "-" + instanceId,
        config.listener().transactionTimeout(),
        "floe-listener-" + instanceId);
  }

  private Map<String, Object> groupConfig() {
    Map<String, Object> config = consumerConfig("group");
    config.put(ConsumerConfig.GROUP_ID_CONFIG, config().listener().groupId());
    // Range assignment gives partition i of the checkpoints and of the hints to one instance.
    config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
    config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2_000);
    config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, KafkaClients.IDLE_FETCH_WAIT_MS);
    config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    return config;
  }

  /** Reads committed transactions only, from the beginning, committing no offset by itself. */
  private Map<String, Object> consumerConfig(String role) {
    Map<String, Object> config = new java.util.HashMap<>();
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "floe-listener-" + instanceId + "-" + role);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, KafkaClients.IDLE_FETCH_WAIT_MS);
    return config;
  }

  void stop(@Observes ShutdownEvent stopped) {
    startup.stop(
        () -> {
          discoveryTimer.shutdownNow();
          ListenerEngine e = engine;
          if (e != null) {
            e.close();
          }
        });
  }

  public ListenerConfig config() {
    return config;
  }

  public String catalogName() {
    return catalog.name();
  }

  public WatchRegistry watches() {
    return watches;
  }

  public TableStatuses statuses() {
    return statuses;
  }

  public ListenerMetrics metrics() {
    return metrics;
  }

  /** The shared state, or null while Kafka topics are not ready. */
  public SharedStateReader reader() {
    return reader;
  }

  public ListenerEngine engine() {
    return engine;
  }

  /** The producer of watch definitions and hints, or null while Kafka is not ready. */
  public Producer<String, byte[]> producer() {
    return startup.writer();
  }

  public String instanceId() {
    return instanceId;
  }

  /** {@code running}, or what the listener waits for. */
  public String state() {
    ListenerEngine e = engine;
    return e == null ? startup.state() : e.state();
  }
}
