package dev.floe.capture.engine;

import dev.floe.broker.CompactedTopicReader;
import dev.floe.broker.Daemons;
import dev.floe.broker.DeadLetterOnce;
import dev.floe.broker.DeadLetters;
import dev.floe.broker.Failures;
import dev.floe.broker.KafkaClients;
import dev.floe.broker.Partitions;
import dev.floe.broker.ServiceStartup;
import dev.floe.broker.TopicBootstrap;
import dev.floe.broker.TopicSpec;
import dev.floe.broker.TransactionalChannel;
import dev.floe.capture.CaptureConfig;
import dev.floe.capture.capture.CaptureProcessor;
import dev.floe.capture.icdc.IcdcMaintenance;
import dev.floe.capture.pin.CaptureReaders;
import dev.floe.capture.pin.SourcePins;
import dev.floe.capture.rows.RowPublisher;
import dev.floe.capture.rows.RowStream;
import dev.floe.capture.status.CaptureMetrics;
import dev.floe.catalog.CatalogHandle;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.CaptureConsumed;
import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import dev.floe.icdc.IcdcTables;
import dev.floe.icdc.TableRefs;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Wires and runs the capture service: prepares the topics, reads the capture definitions, runs the
 * capture loop and the periodic maintenance (ICDC expiry, pin release), and stops them in order.
 * The broker may be down at start-up: the service starts, reports not ready, and retries.
 */
@ApplicationScoped
public class CaptureRuntime {
  private static final Logger LOG = Logger.getLogger(CaptureRuntime.class);

  /** The most the first maintenance pass waits after start, in milliseconds. */
  private static final long FIRST_PASS_MS = 30_000;

  private final CaptureConfig config;
  private final KafkaClients kafka;
  private final CatalogHandle catalog;
  private final CaptureRegistry registry = new CaptureRegistry();
  private final CaptureReaders readers = new CaptureReaders();
  private final CaptureMetrics metrics;
  private final String instanceId;
  private final ScheduledExecutorService maintenance =
      Executors.newSingleThreadScheduledExecutor(Daemons.named("floe-capture-maintenance"));
  private final ServiceStartup startup;
  private volatile CaptureEngine engine;
  private volatile CompactedTopicReader definitions;

  @Inject
  public CaptureRuntime(
      CaptureConfig config, KafkaClients kafka, CatalogHandle catalog, MeterRegistry meters) {
    this.config = config;
    this.kafka = kafka;
    this.catalog = catalog;
    this.metrics = new CaptureMetrics(meters);
    this.instanceId = config.capture().instanceId().orElseGet(KafkaClients::hostName);
    this.startup = new ServiceStartup(CaptureEngine.SERVICE, kafka, this::topics);
  }

  void start(@Observes StartupEvent started) {
    DeadLetters.declare(SnapshotCapture.DEAD_LETTER_REASONS);
    startup.start("floe-capture", this::run);
  }

  private void run() {
    DeadLetterOnce bad = startup.closeOnStop(DeadLetterOnce.of(kafka, CaptureEngine.SERVICE));
    // The capture definitions, and who reads each capture: the triggers and what each still needs
    // of it, by which the maintenance releases pins. All read before the first pass.
    String captures = config.topics().captures();
    String triggers = config.topics().triggers();
    definitions =
        new CompactedTopicReader(
            kafka.consumer(readerConfig()),
            List.of(captures, triggers, config.topics().consumption()),
            new CompactedTopicReader.Handler() {
              @Override
              public boolean accepts(String topic, Payload payload) {
                return topic.equals(captures)
                    ? payload instanceof CaptureDefined
                    : topic.equals(triggers)
                        ? payload instanceof TriggerDefined
                        : payload instanceof CaptureConsumed;
              }

              @Override
              public void apply(String topic, String key, Payload payload) {
                if (topic.equals(captures)) {
                  registry.apply(key, (CaptureDefined) payload);
                  if (payload == null) {
                    metrics.deleted(key);
                  } else {
                    metrics.defined((CaptureDefined) payload);
                  }
                } else if (topic.equals(triggers)) {
                  readers.trigger(key, (TriggerDefined) payload);
                } else {
                  readers.consumed(key, (CaptureConsumed) payload);
                }
              }

              @Override
              public void invalid(ConsumerRecord<String, byte[]> record, EventDecodingException e) {
                // The trigger-service writes the other two topics: a record of theirs that does
                // not decode is skipped here (the reader logs it). A trigger whose record is
                // skipped has said nothing, so it holds the capture's pins: retention, not loss.
                if (record.topic().equals(captures)) {
                  metrics.invalidDefinition();
                  bad.deadLetter(record, e.reason().code(), e.getMessage());
                }
              }
            },
            "floe-capture-definitions");
    // A snapshot whose table has no capture is consumed and skipped: before the first poll, every
    // capture defined so far must be known, or a restart would skip the snapshots it meets first.
    if (!startup.readDefinitions(
        definitions, "capture definitions", "floe-capture-" + instanceId + "-probe")) {
      return;
    }
    long every = config.capture().maintenanceInterval().toMillis();
    metrics.definitionsRead();
    // The first pass soon after start: until one ends, pins read 0 and their expiry has no series.
    maintenance.scheduleWithFixedDelay(
        this::maintain, Math.min(every, FIRST_PASS_MS), every, TimeUnit.MILLISECONDS);
    engine =
        new CaptureEngine(
            new CaptureEngine.Settings(
                config.topics().snapshots(),
                config.topics().changes(),
                Event.sourceOf(CaptureEngine.SERVICE),
                config.capture().maxBackoff(),
                config.capture().batchBudget(),
                config.capture().groupMaxSnapshots(),
                config.capture().parallelism()),
            new TransactionalChannel.Clients() {
              @Override
              public Producer<String, byte[]> transactionalProducer() {
                return kafka.producer(
                    KafkaClients.transactional(
                        config.capture().groupId() + "-" + instanceId,
                        config.capture().transactionTimeout(),
                        "floe-capture-" + instanceId));
              }

              @Override
              public org.apache.kafka.clients.consumer.Consumer<String, byte[]> groupConsumer() {
                Map<String, Object> props = readerConfig();
                props.put(ConsumerConfig.GROUP_ID_CONFIG, config.capture().groupId());
                props.put(ConsumerConfig.CLIENT_ID_CONFIG, "floe-capture-" + instanceId + "-group");
                // Static membership: a restarted instance takes its partitions back at once,
                // without waiting for the session of the one that died to time out.
                props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "floe-capture-" + instanceId);
                props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
                props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2_000);
                // A poll holds a whole group of one table's snapshots, when a backlog has one.
                props.put(
                    ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                    Math.max(50, config.capture().groupMaxSnapshots()));
                // The loop seeks and resumes partitions (a spent budget, a retry): their next
                // fetch waits for the one in flight, which an idle partition holds this long.
                props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
                return kafka.consumer(props);
              }
            },
            registry,
            new CaptureProcessor(catalog::get, Clock.systemUTC()),
            new RowPublisher(
                catalog::get,
                new RowStream(Clock.systemUTC()),
                names -> {
                  try (Admin admin = kafka.admin()) {
                    TopicBootstrap.ensure(
                        admin,
                        names.stream()
                            .map(n -> TopicSpec.stream(n, config.capture().rowPartitions()))
                            .toList(),
                        Duration.ofSeconds(10));
                  }
                },
                this::hasCommittedEvents,
                config.capture().rowSnapshotMaxRows()),
            metrics,
            Clock.systemUTC());
    startup.state("running");
    engine.run();
  }

  /**
   * Expires ICDC states, and releases the source pins of the captures this instance owns that every
   * trigger reading them has consumed, or whose TTL has passed: one metadata commit per source
   * table.
   */
  void maintain() {
    Map<String, CaptureMetrics.Pins> pinned = new HashMap<>();
    Map<TableRef, List<CaptureDefined>> byTable = new LinkedHashMap<>();
    for (CaptureDefined capture : registry.all()) {
      if (!owns(capture)) {
        continue;
      }
      byTable.computeIfAbsent(capture.table(), t -> new ArrayList<>()).add(capture);
      try {
        var cat = catalog.get();
        TableIdentifier icdcId = IcdcTables.identifier(capture);
        if (cat.tableExists(icdcId)) {
          Table icdc = cat.loadTable(icdcId);
          int expired = IcdcMaintenance.expire(icdc, Instant.now());
          IcdcMaintenance.cleanMetadata(icdc, Instant.now(), IcdcMaintenance.GRACE);
          metrics.expired(capture.captureId(), expired);
        }
      } catch (RuntimeException e) {
        LOG.warnf(
            "maintenance of capture %s failed, retrying later: %s",
            capture.captureId(), Failures.describe(e));
      }
    }
    byTable.forEach(
        (table, captures) -> {
          try {
            Table source = catalog.get().loadTable(TableRefs.identifier(table));
            releasePins(source, captures);
            for (CaptureDefined capture : captures) {
              pinned.put(
                  capture.captureId(),
                  new CaptureMetrics.Pins(
                      Topics.tableKey(table),
                      SourcePins.pinned(source, capture.captureId()).size(),
                      SourcePins.earliestExpiry(source, capture.captureId()).orElse(null)));
            }
          } catch (RuntimeException e) {
            LOG.warnf(
                "releasing the pins on %s failed, retrying later: %s",
                table.qualifiedName(), Failures.describe(e));
          }
        });
    metrics.pinned(pinned);
    metrics.maintained();
  }

  /** Releases, in one commit, the consumed and the expired pins of the captures of one table. */
  private void releasePins(Table source, List<CaptureDefined> captures) {
    long now = System.currentTimeMillis();
    Map<String, LongPredicate> consumed = new HashMap<>();
    Map<String, LongPredicate> release = new LinkedHashMap<>();
    for (CaptureDefined capture : captures) {
      LongPredicate expired = SourcePins.expired(source, capture.captureId(), now);
      Map<String, List<Long>> reading = readers.readers(capture);
      LongPredicate done =
          reading.isEmpty() ? id -> false : SourcePins.consumed(source, reading.values());
      consumed.put(capture.captureId(), done);
      release.put(capture.captureId(), done.or(expired));
    }
    SourcePins.release(source, release)
        .forEach(
            (capture, ids) -> {
              long byConsumption = ids.stream().filter(consumed.get(capture)::test).count();
              metrics.pinsReleased(capture, "consumed", byConsumption);
              metrics.pinsReleased(capture, "expired", ids.size() - byConsumption);
            });
  }

  private boolean owns(CaptureDefined capture) {
    CaptureEngine e = engine;
    return e != null
        && e.owns(
            Partitions.forKey(Topics.tableKey(capture.table()), config.topics().partitions()));
  }

  private List<TopicSpec> topics() {
    int partitions = config.topics().partitions();
    return List.of(
        TopicSpec.stream(config.topics().snapshots(), partitions),
        TopicSpec.stream(config.topics().changes(), partitions),
        TopicSpec.compacted(config.topics().captures(), Math.min(partitions, 3)),
        // Read to release pins; created here too, so that either service may start first.
        TopicSpec.compacted(config.topics().triggers(), Math.min(partitions, 3)),
        TopicSpec.compacted(config.topics().consumption(), Math.min(partitions, 3)),
        TopicSpec.stream(Topics.deadLetter(CaptureEngine.SERVICE), 1));
  }

  /**
   * Whether a row-stream transactions topic holds a committed event, or held one that retention has
   * deleted since: whether the stream has begun.
   */
  private boolean hasCommittedEvents(String topic) {
    try (var reader = kafka.consumer(readerConfig())) {
      List<TopicPartition> partitions =
          reader.partitionsFor(topic, Duration.ofSeconds(10)).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      reader.assign(partitions);
      if (reader.beginningOffsets(partitions).values().stream().anyMatch(o -> o > 0)) {
        return true;
      }
      // Read committed, the end offsets are the last stable offsets.
      Map<TopicPartition, Long> end = reader.endOffsets(partitions);
      reader.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (partitions.stream().anyMatch(p -> reader.position(p) < end.get(p))) {
        if (!reader.poll(Duration.ofMillis(200)).isEmpty()) {
          return true;
        }
        if (System.nanoTime() > deadline) {
          throw new org.apache.kafka.common.errors.TimeoutException(
              "reading " + topic + " to its end took over 30 s");
        }
      }
      return false;
    }
  }

  private Map<String, Object> readerConfig() {
    return KafkaClients.readCommittedFromStart("floe-capture-" + instanceId + "-definitions");
  }

  void stop(@Observes ShutdownEvent stopped) {
    startup.stop(
        () -> {
          maintenance.shutdownNow();
          CaptureEngine e = engine;
          if (e != null) {
            e.close();
          }
        });
  }

  public CaptureConfig config() {
    return config;
  }

  /** The triggers reading each capture, and what each still needs. */
  public CaptureReaders readers() {
    return readers;
  }

  public CaptureRegistry registry() {
    return registry;
  }

  public CatalogHandle catalog() {
    return catalog;
  }

  /** The producer of definitions, or null while Kafka is not ready. */
  public Producer<String, byte[]> writer() {
    return startup.writer();
  }

  /** The definitions reader, or null while Kafka is not ready. */
  public CompactedTopicReader definitions() {
    return definitions;
  }

  public String state() {
    CaptureEngine e = engine;
    return e == null ? startup.state() : e.state();
  }

  public String instanceId() {
    return instanceId;
  }
}
