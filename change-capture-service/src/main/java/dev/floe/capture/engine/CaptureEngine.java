package dev.floe.capture.engine;

import dev.floe.broker.DeadLetters;
import dev.floe.broker.EventRecords;
import dev.floe.broker.PartitionBackoff;
import dev.floe.broker.TransactionalChannel;
import dev.floe.capture.capture.CaptureProcessor;
import dev.floe.capture.rows.RowEvent;
import dev.floe.capture.rows.RowPublisher;
import dev.floe.capture.status.CaptureMetrics;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.event.TableEvent;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * The capture loop: consumes {@code floe.snapshots} in a consumer group, hands each table's {@code
 * SnapshotCommitted} records of a poll to {@link SnapshotCapture} as one group (the tables of a
 * poll side by side, {@link BatchCapture}), and sends what it answers with the consumed offsets in
 * one Kafka transaction of the {@link TransactionalChannel}.
 *
 * <p>Exactly once: ICDC states are committed before the transaction and are idempotent, so a crash
 * or an aborted transaction re-captures the snapshot, commits nothing, and publishes the same event
 * with the same id. A transient failure (catalog down, concurrent commit) pauses the snapshot's
 * partition and retries it with back-off, keeping per-table order; a permanent one sends the record
 * to the dead-letter topic with its reason.
 *
 * <p>All Kafka clients are used by the loop thread only; the capture workers touch only the catalog
 * and storage.
 */
public final class CaptureEngine {
  private static final Logger LOG = Logger.getLogger(CaptureEngine.class);
  static final String SERVICE = "change-capture-service";

  /**
   * Topics and limits.
   *
   * @param groupMax the most snapshots of one table captured together
   * @param parallelism the most tables of a batch captured at once
   */
  public record Settings(
      String snapshotsTopic,
      String changesTopic,
      String source,
      Duration maxBackoff,
      Duration batchBudget,
      int groupMax,
      int parallelism) {}

  private final Settings settings;
  private final TransactionalChannel channel;
  private final BatchCapture batch;
  private final RowPublisher rows;
  private final CaptureMetrics metrics;
  private final Clock clock;
  private final PartitionBackoff backoff;
  private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
  private volatile boolean running = true;
  private volatile String state = "starting";

  /**
   * The transport-free capture of a table's snapshots, in commit order, one result each: {@link
   * SnapshotCapture}, or a test's.
   */
  @FunctionalInterface
  interface Step {
    List<SnapshotCapture.Result> capture(List<SnapshotCommitted> group);
  }

  public CaptureEngine(
      Settings settings,
      TransactionalChannel.Clients clients,
      CaptureRegistry registry,
      CaptureProcessor processor,
      RowPublisher rows,
      CaptureMetrics metrics,
      Clock clock) {
    this(
        settings,
        clients,
        new SnapshotCapture(registry, processor, rows, metrics, clock)::capture,
        rows,
        metrics,
        clock);
  }

  CaptureEngine(
      Settings settings,
      TransactionalChannel.Clients clients,
      Step step,
      RowPublisher rows,
      CaptureMetrics metrics,
      Clock clock) {
    this.settings = settings;
    this.channel = new TransactionalChannel(SERVICE, clients);
    this.batch = new BatchCapture(step, settings.groupMax(), settings.parallelism());
    this.rows = rows;
    this.metrics = metrics;
    this.clock = clock;
    this.backoff = new PartitionBackoff(settings.maxBackoff(), clock);
  }

  public String state() {
    String problem = channel.problem();
    return problem != null || state.equals("starting") ? channel.state() : state;
  }

  /** Whether this instance captures the table now, by the partition of its snapshots. */
  public boolean owns(int snapshotsPartition) {
    return owned.contains(snapshotsPartition);
  }

  /** Runs the loop on the calling thread until {@link #close()}. */
  public void run() {
    try {
      channel.run(
          List.of(settings.snapshotsTopic()), new Rebalance(), () -> running, this::pollOnce);
    } finally {
      batch.close();
      state = "stopped";
    }
  }

  /** Opens the channel and joins the group; false when closed first. */
  boolean open() {
    if (!channel.open(List.of(settings.snapshotsTopic()), new Rebalance(), () -> running)) {
      return false;
    }
    state = "joining the consumer group";
    return true;
  }

  /** One turn of the loop: resumes partitions due, polls, and captures what came. */
  void pollOnce() {
    backoff.resumeDue(channel.consumer());
    ConsumerRecords<String, byte[]> records = channel.consumer().poll(Duration.ofMillis(100));
    if (!records.isEmpty()) {
      process(records);
    }
  }

  private void process(ConsumerRecords<String, byte[]> records) {
    Map<TopicPartition, Long> firstOffsets = new HashMap<>();
    records.partitions().forEach(tp -> firstOffsets.put(tp, records.records(tp).get(0).offset()));
    Sent sent = new Sent();
    TransactionalChannel.Outcome outcome =
        channel.transact(
            send -> {
              sent.clear();
              return captureBatch(records, send, sent);
            });
    if (outcome == TransactionalChannel.Outcome.COMMITTED) {
      Instant now = clock.instant();
      rows.committed();
      sent.captured.forEach(event -> metrics.captured(event, now));
      metrics.rowsPublished(sent.rowChanges);
    } else if (outcome == TransactionalChannel.Outcome.ABORTED) {
      // Nothing of the batch is visible: read it again, its captures are idempotent.
      LOG.warnf("capture transaction aborted, the batch is captured again");
      rows.aborted();
      rewind(firstOffsets);
    } else {
      // Whether the batch committed is known only from Kafka: go on from the group's offsets.
      LOG.warnf("capture producer replaced; going on from the committed offsets");
      rows.aborted();
      channel.seekToCommitted(firstOffsets);
    }
  }

  /**
   * Captures the batch's records until the batch budget is spent or a record must wait for a retry
   * ({@link BatchCapture}: tables side by side), then sends what each partition's records answer,
   * in offset order, and answers the offsets up to which it sent.
   */
  private Map<TopicPartition, OffsetAndMetadata> captureBatch(
      ConsumerRecords<String, byte[]> records,
      Consumer<ProducerRecord<String, byte[]>> send,
      Sent sent) {
    Map<TopicPartition, BatchCapture.Partition> captured =
        batch.capture(
            records, new BatchCapture.Budget(System.nanoTime() + settings.batchBudget().toNanos()));
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    captured.forEach(
        (tp, partition) -> {
          long next = sendPartition(tp, partition, send, sent);
          if (next > partition.decoded().get(0).offset()) {
            offsets.put(tp, new OffsetAndMetadata(next));
          }
        });
    return offsets;
  }

  /**
   * Sends what one partition's records answer, in offset order, up to the first record whose group
   * was not captured: one that must wait for a retry pauses the partition there, with back-off; one
   * the spent budget left is fetched again from there. What was captured past that point is not
   * sent, and is captured again, finding its states committed, when the partition goes on.
   *
   * @return the offset to go on from
   */
  private long sendPartition(
      TopicPartition tp,
      BatchCapture.Partition partition,
      Consumer<ProducerRecord<String, byte[]>> send,
      Sent sent) {
    long stop = partition.stop();
    SnapshotCapture.Retry retry = partition.retry();
    long next = partition.decoded().get(0).offset();
    for (BatchCapture.Decoded d : partition.decoded()) {
      long offset = d.offset();
      if (offset >= stop) {
        break;
      }
      if (d.payload() instanceof SnapshotCommitted) {
        try {
          send(d.record(), partition.results().get(offset), send, sent);
        } catch (SnapshotCapture.Retry e) {
          stop = offset;
          retry = e;
          break;
        }
      } else {
        reject(d, send);
      }
      next = offset + 1;
    }
    if (retry != null) {
      metrics.retried();
      backoff.pause(channel.consumer(), tp, stop, retry.getCause());
    } else if (stop != Long.MAX_VALUE) {
      channel.consumer().seek(tp, stop); // fetched again from here
    }
    return next;
  }

  /** A record that is no snapshot: dead-lettered unless it is another table event or nothing. */
  private void reject(BatchCapture.Decoded d, Consumer<ProducerRecord<String, byte[]>> send) {
    if (d.error() != null) {
      send.accept(deadLetter(d.record(), d.error().reason().code(), d.error().getMessage()));
    } else if (d.payload() != null && !(d.payload() instanceof TableEvent)) {
      send.accept(
          deadLetter(
              d.record(),
              EventDecodingException.Reason.UNEXPECTED_TYPE.code(),
              d.payload().getClass().getSimpleName()
                  + " does not belong on "
                  + d.record().topic()));
    }
  }

  /**
   * Sends what a snapshot's capture answered: its events, its row stream's records, and its
   * rejections to the dead-letter topic.
   *
   * @throws SnapshotCapture.Retry when its rows could not be read, for now; nothing is sent then
   */
  private void send(
      ConsumerRecord<String, byte[]> record,
      SnapshotCapture.Result result,
      Consumer<ProducerRecord<String, byte[]>> send,
      Sent sent) {
    SnapshotCapture.RowBatch rowBatch = result.rows().read();
    Instant now = clock.instant();
    for (Payload event : result.events()) {
      send.accept(
          EventRecords.of(settings.changesTopic(), Event.of(event, settings.source(), now)));
    }
    for (RowEvent row : rowBatch.rows()) {
      send.accept(new ProducerRecord<>(row.destination(), row.key(), row.value()));
    }
    for (SnapshotCapture.Rejection rejection : result.rejections()) {
      send.accept(deadLetter(record, rejection.reason(), rejection.cause()));
    }
    for (SnapshotCapture.Rejection rejection : rowBatch.rejections()) {
      send.accept(deadLetter(record, rejection.reason(), rejection.cause()));
    }
    sent.captured.addAll(result.captured());
    sent.rowChanges += rowBatch.rowChanges();
  }

  /** What a transaction's attempt sent, counted in the metrics once it commits. */
  private static final class Sent {
    final List<ChangeCaptured> captured = new ArrayList<>();
    long rowChanges;

    void clear() {
      captured.clear();
      rowChanges = 0;
    }
  }

  /** After an aborted transaction, reads the batch again from where it began. */
  private void rewind(Map<TopicPartition, Long> firstOffsets) {
    var consumer = channel.consumer();
    firstOffsets.forEach(
        (tp, offset) -> {
          if (consumer.assignment().contains(tp)) {
            consumer.seek(tp, offset);
          }
        });
  }

  private ProducerRecord<String, byte[]> deadLetter(
      ConsumerRecord<String, byte[]> record, String reason, String cause) {
    LOG.warnf(
        "dead-lettered %s-%d@%d (%s): %s",
        record.topic(), record.partition(), record.offset(), reason, cause);
    return DeadLetters.of(record, SERVICE, reason, cause);
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      partitions.forEach(
          tp -> {
            backoff.forget(tp);
            owned.remove(tp.partition());
          });
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      partitions.forEach(tp -> owned.add(tp.partition()));
      state = "running";
    }
  }

  /** Stops the loop; the consumer leaves its group so another instance takes over at once. */
  public void close() {
    running = false;
    channel.wakeup();
  }

  /** The snapshot partitions this instance owns. */
  public Set<Integer> ownedPartitions() {
    return new HashSet<>(owned);
  }
}
