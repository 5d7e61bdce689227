package dev.floe.listener.publish;

import dev.floe.broker.DeadLetters;
import dev.floe.broker.EventRecords;
import dev.floe.broker.Partitions;
import dev.floe.catalog.CatalogHandle;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.ListenerCheckpoint;
import dev.floe.contracts.event.TableEvent;
import dev.floe.listener.hint.HintParser;
import dev.floe.listener.lineage.LineageReader;
import dev.floe.listener.lineage.PollResult;
import dev.floe.listener.poll.PollSchedule;
import dev.floe.listener.status.ListenerMetrics;
import dev.floe.listener.status.TableStatuses;
import dev.floe.listener.watch.Watch;
import dev.floe.listener.watch.WatchRegistry;
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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * The listener's loop: owns the tables whose checkpoint partitions this instance is assigned, polls
 * them through a bounded pool of catalog calls, and publishes what it finds with their checkpoints
 * in one Kafka transaction.
 *
 * <p>Exactly once across crashes: events and checkpoints commit together, and each transaction also
 * commits the group's offsets with the consumer's group metadata, so an instance that lost a
 * partition cannot commit for it any more (KIP-447 fencing). A new owner first waits until no
 * transaction of the previous owner is pending ({@code committed()} with read_committed), then
 * reads the partition's checkpoints to its end before it polls a table of it.
 *
 * <p>All Kafka clients are used by the loop thread only.
 */
public final class ListenerEngine implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ListenerEngine.class);
  private static final Duration POLL_WAIT = Duration.ofMillis(20);
  private static final Duration HINT_REPLAY = Duration.ofSeconds(30);

  /** What the engine needs to know; see {@code ListenerConfig}. */
  public record Settings(
      String snapshotsTopic,
      String checkpointsTopic,
      String hintsTopic,
      int partitions,
      String source,
      int maxConcurrentCatalogCalls) {}

  /** Builds the transactional producer and the group consumer; called again after fencing. */
  public interface Clients {
    Producer<String, byte[]> transactionalProducer();

    Consumer<String, byte[]> groupConsumer();

    Producer<String, byte[]> deadLetterProducer();
  }

  private final Settings settings;
  private final Clients clients;
  private final CatalogHandle catalog;
  private final WatchRegistry watches;
  private final PollSchedule schedule;
  private final TableStatuses statuses;
  private final ListenerMetrics metrics;
  private final Clock clock;
  private final ExecutorService catalogCalls;
  private final ConcurrentLinkedQueue<Completed> completed = new ConcurrentLinkedQueue<>();
  private final AtomicInteger ownedTables = new AtomicInteger();
  private volatile boolean running = true;
  private volatile String state = "starting";

  private Consumer<String, byte[]> consumer;
  private Producer<String, byte[]> producer;
  private Producer<String, byte[]> deadLetters;
  private final Map<Integer, PartitionState> owned = new HashMap<>();
  private final Map<String, ListenerCheckpoint> checkpoints = new HashMap<>();
  private final Set<String> inFlight = new HashSet<>();

  public ListenerEngine(
      Settings settings,
      Clients clients,
      CatalogHandle catalog,
      WatchRegistry watches,
      PollSchedule schedule,
      TableStatuses statuses,
      ListenerMetrics metrics,
      Clock clock) {
    this.settings = settings;
    this.clients = clients;
    this.catalog = catalog;
    this.watches = watches;
    this.schedule = schedule;
    this.statuses = statuses;
    this.metrics = metrics;
    this.clock = clock;
    this.catalogCalls =
        Executors.newFixedThreadPool(
            settings.maxConcurrentCatalogCalls(),
            r -> {
              Thread t = new Thread(r, "floe-listener-catalog");
              t.setDaemon(true);
              return t;
            });
  }

  private static final class PartitionState {
    int epoch;
    boolean restoring = true;
    long restoreTarget;
  }

  private record Completed(
      Watch watch, int partition, int epoch, PollResult result, Instant started, Duration took) {}

  /** Whether this instance polls {@code tableKey} now. Thread-safe, approximate. */
  public boolean owns(String tableKey) {
    synchronized (owned) {
      PartitionState st = owned.get(Partitions.forKey(tableKey, settings.partitions()));
      return st != null && !st.restoring;
    }
  }

  public int ownedTables() {
    return ownedTables.get();
  }

  /**
   * {@code running} once the group has assigned this instance its share; otherwise what it waits
   * for.
   */
  public String state() {
    return state;
  }

  /** Runs the loop on the calling thread until {@link #close()}. */
  public void run() {
    try {
      deadLetters = clients.deadLetterProducer();
      while (running && producer == null) {
        try {
          producer = clients.transactionalProducer();
          producer.initTransactions();
        } catch (KafkaException e) {
          state = "cannot initialize the transactional producer: " + e.getMessage();
          LOG.warnf("commit-listener: %s; retrying", state);
          closeQuietly(producer);
          producer = null;
          pause(Duration.ofSeconds(2));
        }
      }
      consumer = clients.groupConsumer();
      consumer.subscribe(
          List.of(settings.checkpointsTopic(), settings.hintsTopic()), new Rebalance());
      state = "joining the consumer group";
      while (running) {
        loopOnce();
      }
    } catch (WakeupException e) {
      if (running) {
        throw e;
      }
    } finally {
      state = "stopped";
      closeQuietly(consumer);
      closeQuietly(producer);
      closeQuietly(deadLetters);
      catalogCalls.shutdownNow();
    }
  }

  private void loopOnce() {
    for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL_WAIT)) {
      if (record.topic().equals(settings.checkpointsTopic())) {
        restoreRecord(record);
      } else {
        hint(record);
      }
    }
    finishRestores();
    dispatch();
    publishCompleted();
  }

  private void restoreRecord(ConsumerRecord<String, byte[]> record) {
    PartitionState st = owned.get(record.partition());
    if (st == null || !st.restoring) {
      return; // our own writes echoing back: the in-memory checkpoint is newer
    }
    if (record.value() == null) {
      checkpoints.remove(record.key());
      return;
    }
    try {
      if (EventCodec.decode(record.value()).payload() instanceof ListenerCheckpoint cp) {
        checkpoints.put(record.key(), cp);
      }
    } catch (EventDecodingException e) {
      metrics.invalidRecord(record.topic());
      LOG.errorf(
          "skipping undecodable checkpoint at %s-%d@%d (%s): %s",
          record.topic(), record.partition(), record.offset(), e.reason().code(), e.getMessage());
    }
  }

  private void finishRestores() {
    synchronized (owned) {
      owned.forEach(
          (partition, st) -> {
            if (st.restoring
                && consumer.position(new TopicPartition(settings.checkpointsTopic(), partition))
                    >= st.restoreTarget) {
              st.restoring = false;
              LOG.debugf("checkpoints of partition %d restored", partition);
            }
          });
    }
  }

  private void hint(ConsumerRecord<String, byte[]> record) {
    Instant now = clock.instant();
    String key = record.key();
    try {
      if (key == null) {
        throw new IllegalArgumentException("a hint must be keyed by its table");
      }
      if (record.value() != null && record.value().length > HintParser.MAX_BYTES) {
        metrics.hint("malformed");
        deadLetter(
            record,
            "oversized-hint",
            "a hint of "
                + record.value().length
                + " bytes is over the limit of "
                + HintParser.MAX_BYTES
                + " bytes");
        return;
      }
      HintParser.parse(record.value());
    } catch (RuntimeException e) {
      metrics.hint("malformed");
      deadLetter(record, "malformed-hint", e.getMessage());
      return;
    }
    if (watches.get(key).isEmpty()) {
      metrics.hint("unwatched");
      return;
    }
    metrics.hint("accepted");
    schedule.hint(key, now);
  }

  private void deadLetter(ConsumerRecord<String, byte[]> record, String reason, String cause) {
    deadLetters.send(
        DeadLetters.of(record, "commit-listener", reason, cause),
        (metadata, error) -> {
          if (error != null) {
            LOG.errorf(
                error,
                "cannot dead-letter %s-%d@%d",
                record.topic(),
                record.partition(),
                record.offset());
          }
        });
    LOG.warnf(
        "dead-lettered %s-%d@%d (%s): %s",
        record.topic(), record.partition(), record.offset(), reason, cause);
  }

  private void dispatch() {
    Instant now = clock.instant();
    int owning = 0;
    for (Watch watch : watches.all()) {
      String key = watch.key();
      int partition = Partitions.forKey(key, settings.partitions());
      PartitionState st = owned.get(partition);
      if (st == null) {
        continue;
      }
      owning++;
      if (st.restoring
          || inFlight.contains(key)
          || inFlight.size() >= settings.maxConcurrentCatalogCalls()
          || !schedule.isDue(key, now)) {
        continue;
      }
      inFlight.add(key);
      ListenerCheckpoint checkpoint = checkpoints.get(key);
      int epoch = st.epoch;
      catalogCalls.execute(
          () -> {
            Instant started = clock.instant();
            PollResult result = poll(watch, checkpoint);
            completed.add(
                new Completed(
                    watch,
                    partition,
                    epoch,
                    result,
                    started,
                    Duration.between(started, clock.instant())));
          });
    }
    ownedTables.set(owning);
  }

  private PollResult poll(Watch watch, ListenerCheckpoint checkpoint) {
    try {
      Table table;
      try {
        table =
            catalog
                .get()
                .loadTable(
                    TableIdentifier.of(
                        org.apache.iceberg.catalog.Namespace.of(
                            watch.table().namespace().toArray(String[]::new)),
                        watch.table().name()));
      } catch (NoSuchTableException e) {
        table = null;
      }
      return LineageReader.read(watch, table, checkpoint, clock.instant());
    } catch (RuntimeException e) {
      return PollResult.failed(watch.key(), checkpoint, String.valueOf(e.getMessage()));
    }
  }

  private void publishCompleted() {
    List<PollResult> work = new ArrayList<>();
    Set<Integer> partitions = new HashSet<>();
    Instant now = clock.instant();
    for (Completed c = completed.poll(); c != null; c = completed.poll()) {
      String key = c.watch().key();
      inFlight.remove(key);
      PartitionState st = owned.get(c.partition());
      if (st == null || st.epoch != c.epoch() || st.restoring) {
        continue; // ownership changed while the catalog answered: the new owner polls again
      }
      PollResult result = c.result();
      if (result.failed()) {
        metrics.polled("error", c.took());
        metrics.catalogError(key);
        schedule.polled(key, c.started(), now, false, true);
        statuses.failed(key, now, schedule.interval(key), result.error());
        metrics.polledTable(key, this::staleness);
        LOG.debugf("poll of %s failed: %s", key, result.error());
        ListenerCheckpoint cp = result.checkpoint();
        if (cp != null && !result.error().equals(cp.lastError())) {
          work.add(withError(result, cp, now));
          partitions.add(c.partition());
        }
        continue;
      }
      metrics.polled(result.events().isEmpty() ? "idle" : "changed", c.took());
      schedule.polled(key, c.started(), now, !result.events().isEmpty(), false);
      statuses.succeeded(key, now, schedule.interval(key));
      metrics.polledTable(key, this::staleness);
      if (result.hasWork()) {
        work.add(result);
        partitions.add(c.partition());
      }
    }
    if (!work.isEmpty()) {
      publish(work, partitions);
    }
  }

  private double staleness(String table) {
    return statuses.lag(table, clock.instant()).toMillis() / 1000.0;
  }

  private static PollResult withError(PollResult failed, ListenerCheckpoint cp, Instant now) {
    ListenerCheckpoint errored =
        new ListenerCheckpoint(
            cp.table(),
            cp.tableUuid(),
            cp.branchHeads(),
            cp.metadataLocation(),
            cp.dropped(),
            failed.error(),
            now);
    return new PollResult(failed.tableKey(), List.of(), errored, true, null);
  }

  private void publish(List<PollResult> work, Set<Integer> partitions) {
    Instant now = clock.instant();
    try {
      producer.beginTransaction();
      for (PollResult result : work) {
        for (TableEvent event : result.events()) {
          producer.send(
              EventRecords.of(settings.snapshotsTopic(), Event.of(event, settings.source(), now)));
        }
        if (result.checkpointChanged() && result.checkpoint() != null) {
          producer.send(
              EventRecords.of(
                  settings.checkpointsTopic(),
                  Event.of(result.checkpoint(), settings.source(), now)));
        }
      }
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      for (int partition : partitions) {
        TopicPartition tp = new TopicPartition(settings.checkpointsTopic(), partition);
        offsets.put(tp, new OffsetAndMetadata(consumer.position(tp)));
      }
      producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
      producer.commitTransaction();
    } catch (ProducerFencedException
        | InvalidProducerEpochException
        | AuthorizationException
        | UnsupportedVersionException e) {
      metrics.transaction("fenced");
      LOG.errorf("commit-listener producer cannot continue (%s); recreating it", e.toString());
      closeQuietly(producer);
      producer = clients.transactionalProducer();
      producer.initTransactions();
      restore(owned.keySet());
      work.forEach(r -> schedule.hint(r.tableKey(), now));
      return;
    } catch (KafkaException e) {
      metrics.transaction("aborted");
      LOG.warnf(
          "transaction aborted, %d tables will be polled again: %s", work.size(), e.toString());
      try {
        producer.abortTransaction();
      } catch (KafkaException abortFailed) {
        closeQuietly(producer);
        producer = clients.transactionalProducer();
        producer.initTransactions();
      }
      restore(partitions);
      work.forEach(r -> schedule.hint(r.tableKey(), now));
      return;
    }
    metrics.transaction("committed");
    for (PollResult result : work) {
      if (result.checkpoint() != null) {
        checkpoints.put(result.tableKey(), result.checkpoint());
      }
      result.events().forEach(metrics::published);
    }
  }

  /** Re-reads the checkpoints of {@code partitions}, the truth after a failed transaction. */
  private void restore(Collection<Integer> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    List<TopicPartition> tps =
        partitions.stream()
            .filter(owned::containsKey)
            .map(p -> new TopicPartition(settings.checkpointsTopic(), p))
            .toList();
    checkpoints
        .keySet()
        .removeIf(key -> partitions.contains(Partitions.forKey(key, settings.partitions())));
    consumer.seekToBeginning(tps);
    Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
    synchronized (owned) {
      for (TopicPartition tp : tps) {
        PartitionState st = owned.get(tp.partition());
        st.epoch++;
        st.restoring = true;
        st.restoreTarget = ends.get(tp);
      }
    }
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      drop(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      drop(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      List<TopicPartition> checkpointPartitions = new ArrayList<>();
      List<TopicPartition> hintPartitions = new ArrayList<>();
      for (TopicPartition tp : partitions) {
        (tp.topic().equals(settings.checkpointsTopic()) ? checkpointPartitions : hintPartitions)
            .add(tp);
      }
      seekHints(hintPartitions);
      state = "running";
      if (checkpointPartitions.isEmpty()) {
        return;
      }
      // With read_committed this waits until no transaction of a previous owner is pending, so
      // the checkpoints read next are final: the fencing barrier of KIP-447.
      awaitStable(() -> consumer.committed(new HashSet<>(checkpointPartitions)));
      consumer.seekToBeginning(checkpointPartitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(checkpointPartitions);
      synchronized (owned) {
        for (TopicPartition tp : checkpointPartitions) {
          PartitionState st = new PartitionState();
          st.restoreTarget = ends.get(tp);
          owned.put(tp.partition(), st);
        }
      }
      LOG.infof("commit-listener now owns checkpoint partitions %s", checkpointPartitions);
    }

    /**
     * Starts reading hints a little before now, so that hints sent while the partitions moved
     * between instances still speed up their tables; older hints are of no use.
     */
    private void seekHints(List<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      long since = clock.millis() - HINT_REPLAY.toMillis();
      Map<TopicPartition, Long> query = new HashMap<>();
      partitions.forEach(tp -> query.put(tp, since));
      consumer
          .offsetsForTimes(query)
          .forEach(
              (tp, found) -> {
                if (found == null) {
                  consumer.seekToEnd(List.of(tp));
                } else {
                  consumer.seek(tp, found.offset());
                }
              });
    }

    private void drop(Collection<TopicPartition> partitions) {
      Set<Integer> dropped = new HashSet<>();
      for (TopicPartition tp : partitions) {
        if (tp.topic().equals(settings.checkpointsTopic())) {
          dropped.add(tp.partition());
        }
      }
      synchronized (owned) {
        dropped.forEach(owned::remove);
      }
      checkpoints
          .keySet()
          .removeIf(key -> dropped.contains(Partitions.forKey(key, settings.partitions())));
      for (Watch watch : watches.all()) {
        if (dropped.contains(Partitions.forKey(watch.key(), settings.partitions()))) {
          schedule.forget(watch.key());
          statuses.forget(watch.key());
        }
      }
      if (!dropped.isEmpty()) {
        LOG.infof("commit-listener gave up checkpoint partitions %s", dropped);
      }
    }
  }

  private void awaitStable(Supplier<?> call) {
    while (running) {
      try {
        call.get();
        return;
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        LOG.infof("waiting for a previous owner's transaction to finish: %s", e.getMessage());
      }
    }
  }

  private void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      if (closeable instanceof Producer<?, ?> p) {
        p.close(Duration.ofSeconds(5));
      } else {
        closeable.close();
      }
    } catch (Exception e) {
      LOG.debugf("while closing: %s", e.toString());
    }
  }

  /** Stops the loop; the consumer leaves its group so another instance takes over at once. */
  @Override
  public void close() {
    running = false;
    Consumer<String, byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
  }
}
