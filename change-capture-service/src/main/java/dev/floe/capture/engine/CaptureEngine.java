package dev.floe.capture.engine;

import dev.floe.broker.DeadLetters;
import dev.floe.broker.EventRecords;
import dev.floe.capture.capture.CaptureProcessor;
import dev.floe.capture.definition.CaptureRegistry;
import dev.floe.capture.pin.SourcePins;
import dev.floe.capture.rows.RowEvent;
import dev.floe.capture.rows.RowPublisher;
import dev.floe.capture.status.CaptureMetrics;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.ChangeLost;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.event.TableEvent;
import dev.floe.contracts.topic.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * The capture loop: consumes {@code floe.snapshots} in a consumer group, captures each {@code
 * SnapshotCommitted} for every capture of its table, and publishes the {@code ChangeCaptured}
 * events and the consumed offsets in one Kafka transaction.
 *
 * <p>Exactly once: ICDC states are committed before the transaction and are idempotent, so a crash
 * between the two re-captures the snapshot, commits nothing, and publishes the same event with the
 * same id. A transient failure (catalog down, concurrent commit) pauses the snapshot's partition
 * and retries it with back-off, keeping per-table order; a permanent one sends the record to the
 * dead-letter topic with its reason.
 *
 * <p>All Kafka clients are used by the loop thread only.
 */
public final class CaptureEngine {
  private static final Logger LOG = Logger.getLogger(CaptureEngine.class);
  static final String SERVICE = "change-capture-service";

  /** Topics and limits. */
  public record Settings(
      String snapshotsTopic,
      String changesTopic,
      String source,
      Duration maxBackoff,
      Duration batchBudget) {}

  /** Builds the clients; called again after the producer was fenced. */
  public interface Clients {
    Producer<String, byte[]> transactionalProducer();

    Consumer<String, byte[]> groupConsumer();
  }

  private final Settings settings;
  private final Clients clients;
  private final CaptureRegistry registry;
  private final CaptureProcessor processor;
  private final RowPublisher rows;
  private final CaptureMetrics metrics;
  private final Clock clock;
  private final Map<TopicPartition, Backoff> paused = new HashMap<>();
  private final Set<Integer> owned = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile boolean running = true;
  private volatile String state = "starting";
  private Consumer<String, byte[]> consumer;
  private long rowsInTransaction;
  private Producer<String, byte[]> producer;

  public CaptureEngine(
      Settings settings,
      Clients clients,
      CaptureRegistry registry,
      CaptureProcessor processor,
      RowPublisher rows,
      CaptureMetrics metrics,
      Clock clock) {
    this.settings = settings;
    this.clients = clients;
    this.registry = registry;
    this.processor = processor;
    this.rows = rows;
    this.metrics = metrics;
    this.clock = clock;
  }

  private static final class Backoff {
    Instant until;
    Duration delay;
  }

  /** A failure worth retrying: the record is captured again after a back-off. */
  private static final class TransientFailure extends RuntimeException {
    TransientFailure(Throwable cause) {
      super(cause);
    }
  }

  public String state() {
    return state;
  }

  /** Whether this instance captures the table now, by the partition of its snapshots. */
  public boolean owns(int snapshotsPartition) {
    return owned.contains(snapshotsPartition);
  }

  /** Runs the loop on the calling thread until {@link #close()}. */
  public void run() {
    try {
      producer = clients.transactionalProducer();
      producer.initTransactions();
      consumer = clients.groupConsumer();
      consumer.subscribe(List.of(settings.snapshotsTopic()), new Rebalance());
      state = "joining the consumer group";
      while (running) {
        resumeDue();
        ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
        if (!records.isEmpty()) {
          process(records);
        }
      }
    } catch (WakeupException e) {
      if (running) {
        throw e;
      }
    } finally {
      state = "stopped";
      close(consumer);
      if (producer != null) {
        producer.close(Duration.ofSeconds(5));
      }
    }
  }

  private void process(ConsumerRecords<String, byte[]> records) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    Map<TopicPartition, Long> firstOffsets = new HashMap<>();
    List<dev.floe.contracts.event.ChangeCaptured> published = new ArrayList<>();
    long deadline = System.nanoTime() + settings.batchBudget().toNanos();
    boolean spent = false;
    try {
      producer.beginTransaction();
      rowsInTransaction = 0;
      for (TopicPartition tp : records.partitions()) {
        for (ConsumerRecord<String, byte[]> record : records.records(tp)) {
          if (spent) {
            // Left for the next transaction: fetched again from here.
            consumer.seek(tp, record.offset());
            break;
          }
          spent = System.nanoTime() - deadline >= 0;
          firstOffsets.putIfAbsent(tp, record.offset());
          try {
            for (ProducerRecord<String, byte[]> out : handle(record, published)) {
              producer.send(out);
            }
            offsets.put(tp, new OffsetAndMetadata(record.offset() + 1));
          } catch (TransientFailure e) {
            backOff(tp, record, e.getCause());
            break;
          }
        }
      }
      if (!offsets.isEmpty()) {
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
      }
      producer.commitTransaction();
      Instant now = clock.instant();
      rows.committed();
      published.forEach(event -> metrics.captured(event, now));
      metrics.rowsPublished(rowsInTransaction);
    } catch (ProducerFencedException e) {
      LOG.errorf(
          "the capture producer was fenced (%s): another instance uses this instance id",
          e.getMessage());
      rows.aborted();
      rewind(firstOffsets);
      producer.close(Duration.ZERO);
      producer = clients.transactionalProducer();
      producer.initTransactions();
    } catch (KafkaException e) {
      LOG.warnf("capture transaction aborted, the batch is captured again: %s", e.toString());
      rows.aborted();
      try {
        producer.abortTransaction();
      } catch (KafkaException abortFailed) {
        producer.close(Duration.ZERO);
        producer = clients.transactionalProducer();
        producer.initTransactions();
      }
      rewind(firstOffsets);
    }
  }

  /** After an aborted transaction, reads the batch again: its captures are idempotent. */
  private void rewind(Map<TopicPartition, Long> firstOffsets) {
    firstOffsets.forEach(
        (tp, offset) -> {
          if (consumer.assignment().contains(tp)) {
            consumer.seek(tp, offset);
          }
        });
  }

  private List<ProducerRecord<String, byte[]>> handle(
      ConsumerRecord<String, byte[]> record,
      List<dev.floe.contracts.event.ChangeCaptured> published) {
    if (record.value() == null) {
      return List.of();
    }
    Payload payload;
    try {
      payload = EventCodec.decode(record.value()).payload();
    } catch (EventDecodingException e) {
      return List.of(deadLetter(record, e.reason().code(), e.getMessage()));
    }
    if (!(payload instanceof TableEvent)) {
      return List.of(
          deadLetter(
              record,
              "unexpected-type",
              payload.getClass().getSimpleName() + " does not belong on " + record.topic()));
    }
    if (!(payload instanceof SnapshotCommitted committed)) {
      return List.of();
    }
    List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
    List<dev.floe.contracts.event.ChangeCaptured> events = new ArrayList<>();
    List<SourcePins.Request> pins = new ArrayList<>();
    List<CaptureDefined> captures = registry.forTable(Topics.tableKey(committed.table()));
    // One row stream per table (the REST API refuses a second); should two definitions race past
    // that check, the first capture id streams, so no row goes out twice.
    String rowStreamer =
        captures.stream()
            .filter(CaptureDefined::rowStream)
            .map(CaptureDefined::captureId)
            .min(String::compareTo)
            .orElse(null);
    for (CaptureDefined capture : captures) {
      CaptureProcessor.Outcome outcome;
      try {
        outcome = processor.capture(capture, committed);
      } catch (RuntimeException e) {
        if (Failures.isTransient(e)) {
          throw new TransientFailure(e);
        }
        LOG.errorf(
            e, "capture %s failed for snapshot %d", capture.captureId(), committed.snapshotId());
        out.add(
            deadLetter(
                record, "capture-failed", capture.captureId() + ": " + Failures.describe(e)));
        continue;
      }
      if (outcome.pins() != null) {
        pins.add(outcome.pins());
      }
      if (outcome.published()) {
        out.add(
            EventRecords.of(
                settings.changesTopic(),
                Event.of(outcome.event(), settings.source(), clock.instant())));
        events.add(outcome.event());
        if (capture.captureId().equals(rowStreamer)) {
          out.addAll(rowEvents(record, capture, committed));
        }
      } else if (outcome.lost()) {
        // Not silent: downstream learns which change will never come.
        LOG.errorf(
            "capture %s lost snapshot %d: %s",
            capture.captureId(), committed.snapshotId(), outcome.skipped());
        out.add(
            EventRecords.of(
                settings.changesTopic(),
                Event.of(
                    new ChangeLost(
                        capture.captureId(),
                        committed.table(),
                        committed.tableUuid(),
                        committed.branch(),
                        committed.snapshotId(),
                        committed.parentSnapshotId(),
                        committed.committedAt(),
                        "expired",
                        clock.instant()),
                    settings.source(),
                    clock.instant())));
        metrics.skipped("expired");
      } else {
        LOG.infof(
            "capture %s skipped snapshot %d: %s",
            capture.captureId(), committed.snapshotId(), outcome.skipped());
        metrics.skipped(outcome.change() == null ? "not-capturable" : "kind-not-captured");
      }
    }
    // Every capture of the snapshot pins in one commit on the source, before any event is sent.
    try {
      processor.pin(committed, pins);
    } catch (RuntimeException e) {
      if (Failures.isTransient(e)) {
        throw new TransientFailure(e);
      }
      // The change is captured and its events go out: a missing pin only shortens how long the
      // source keeps its files, which the pin TTL bounds anyway. Operators see the metric.
      LOG.errorf(
          e,
          "pinning snapshot %d failed; its changes are published unpinned",
          committed.snapshotId());
      metrics.pinFailed();
    }
    published.addAll(events);
    return out;
  }

  /**
   * The snapshot's row changes, sent in the transaction of its {@code ChangeCaptured}. When they
   * cannot be read for good (the parent expired, a file is gone), the change is still published and
   * the snapshot record goes to the dead-letter topic with the reason, so the gap is seen.
   */
  private List<ProducerRecord<String, byte[]>> rowEvents(
      ConsumerRecord<String, byte[]> record, CaptureDefined capture, SnapshotCommitted committed) {
    try {
      List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
      for (RowEvent event : rows.events(capture, committed)) {
        out.add(new ProducerRecord<>(event.destination(), event.key(), event.value()));
      }
      rowsInTransaction += out.size() - 2;
      return out;
    } catch (RuntimeException e) {
      if (Failures.isTransient(e)) {
        throw new TransientFailure(e);
      }
      LOG.errorf(
          e,
          "the row changes of snapshot %d for capture %s cannot be read",
          committed.snapshotId(),
          capture.captureId());
      return List.of(
          deadLetter(record, "rows-unreadable", capture.captureId() + ": " + Failures.describe(e)));
    }
  }

  private ProducerRecord<String, byte[]> deadLetter(
      ConsumerRecord<String, byte[]> record, String reason, String cause) {
    LOG.warnf(
        "dead-lettered %s-%d@%d (%s): %s",
        record.topic(), record.partition(), record.offset(), reason, cause);
    return DeadLetters.of(record, SERVICE, reason, cause);
  }

  private void backOff(TopicPartition tp, ConsumerRecord<String, byte[]> record, Throwable cause) {
    Backoff backoff = paused.computeIfAbsent(tp, k -> new Backoff());
    backoff.delay =
        backoff.delay == null
            ? Duration.ofMillis(500)
            : min(settings.maxBackoff(), backoff.delay.multipliedBy(2));
    backoff.until = clock.instant().plus(backoff.delay);
    metrics.retried();
    LOG.warnf(
        "capture of %s-%d@%d failed, retrying in %s: %s",
        tp.topic(), tp.partition(), record.offset(), backoff.delay, Failures.describe(cause));
    consumer.seek(tp, record.offset());
    consumer.pause(List.of(tp));
  }

  private void resumeDue() {
    Instant now = clock.instant();
    List<TopicPartition> due = new ArrayList<>();
    paused.forEach(
        (tp, backoff) -> {
          if (backoff.until != null && !backoff.until.isAfter(now)) {
            due.add(tp);
            backoff.until = null;
          }
        });
    due.removeIf(tp -> !consumer.assignment().contains(tp));
    if (!due.isEmpty()) {
      consumer.resume(due);
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      partitions.forEach(
          tp -> {
            paused.remove(tp);
            owned.remove(tp.partition());
          });
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      partitions.forEach(tp -> owned.add(tp.partition()));
      state = "running";
    }
  }

  private static void close(Consumer<?, ?> consumer) {
    if (consumer != null) {
      try {
        consumer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        LOG.debugf("while closing: %s", e.toString());
      }
    }
  }

  /** Stops the loop; the consumer leaves its group so another instance takes over at once. */
  public void close() {
    running = false;
    Consumer<String, byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
  }

  /** The snapshot partitions this instance owns. */
  public Set<Integer> ownedPartitions() {
    return new HashSet<>(owned);
  }
}
