package dev.floe.listener.publish;

import dev.floe.broker.EventRecords;
import dev.floe.broker.TransactionalChannel;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.ListenerCheckpoint;
import dev.floe.contracts.event.TableEvent;
import dev.floe.listener.hint.HintIntake;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The listener's loop: owns the tables whose checkpoint partitions this instance is assigned
 * ({@link PartitionOwnership}), polls them through a bounded pool of catalog calls ({@link
 * PollDispatch}), takes push hints ({@link HintIntake}), and publishes what the polls find with
 * their checkpoints in one transaction of the {@link TransactionalChannel}.
 *
 * <p>Exactly once across crashes: events and checkpoints commit together, and each transaction also
 * commits the group's offsets with the consumer's group metadata, so an instance that lost a
 * partition cannot commit for it any more (KIP-447 fencing). A transaction that does not commit
 * restores the checkpoints of its partitions from the topic and polls their tables again.
 *
 * <p>All Kafka clients are used by the loop thread only.
 */
public final class ListenerEngine implements AutoCloseable {
  private static final Duration POLL_WAIT = Duration.ofMillis(20);

  /** What the engine needs to know; see {@code ListenerConfig}. */
  public record Settings(
      String snapshotsTopic,
      String checkpointsTopic,
      String hintsTopic,
      int partitions,
      String source,
      int maxConcurrentCatalogCalls) {}

  private final Settings settings;
  private final TransactionalChannel channel;
  private final WatchRegistry watches;
  private final PollSchedule schedule;
  private final TableStatuses statuses;
  private final ListenerMetrics metrics;
  private final Clock clock;
  private final HintIntake hints;
  private final PartitionOwnership ownership;
  private final PollDispatch polls;
  private final AtomicInteger ownedTables = new AtomicInteger();
  private volatile boolean running = true;
  private volatile String state = "starting";

  /**
   * @param deadLetters the producer of dead letters for hints, outside the transactions
   */
  public ListenerEngine(
      Settings settings,
      TransactionalChannel.Clients clients,
      org.apache.kafka.clients.producer.Producer<String, byte[]> deadLetters,
      TablePoller poller,
      WatchRegistry watches,
      PollSchedule schedule,
      TableStatuses statuses,
      ListenerMetrics metrics,
      Clock clock) {
    this.settings = settings;
    this.channel = new TransactionalChannel("commit-listener", clients);
    this.watches = watches;
    this.schedule = schedule;
    this.statuses = statuses;
    this.metrics = metrics;
    this.clock = clock;
    this.hints = new HintIntake(watches, schedule, metrics, deadLetters, "commit-listener", clock);
    this.ownership =
        new PartitionOwnership(settings.checkpointsTopic(), settings.partitions(), metrics);
    this.polls =
        new PollDispatch(
            settings.maxConcurrentCatalogCalls(), settings.partitions(), poller, clock);
  }

  /** Whether this instance polls {@code tableKey} now. Thread-safe, approximate. */
  public boolean owns(String tableKey) {
    return ownership.owns(tableKey);
  }

  public int ownedTables() {
    return ownedTables.get();
  }

  /**
   * {@code running} once the group has assigned this instance its share; otherwise what it waits
   * for.
   */
  public String state() {
    String problem = channel.problem();
    return problem != null || state.equals("starting") ? channel.state() : state;
  }

  /** Runs the loop on the calling thread until {@link #close()}. */
  public void run() {
    try {
      channel.run(
          List.of(settings.checkpointsTopic(), settings.hintsTopic()),
          new Rebalance(),
          () -> running,
          this::loopOnce);
    } finally {
      state = "stopped";
      polls.close();
    }
  }

  /** Opens the channel and joins the group; false when closed first. */
  boolean open() {
    if (!channel.open(
        List.of(settings.checkpointsTopic(), settings.hintsTopic()),
        new Rebalance(),
        () -> running)) {
      return false;
    }
    state = "joining the consumer group";
    return true;
  }

  /** One turn: restore and hints in, due polls out, answered polls published. */
  void loopOnce() {
    for (ConsumerRecord<String, byte[]> record : channel.consumer().poll(POLL_WAIT)) {
      if (record.topic().equals(settings.checkpointsTopic())) {
        ownership.restoreRecord(record);
      } else {
        hints.accept(record);
      }
    }
    ownership.finishRestores(channel.consumer());
    ownedTables.set(polls.dispatch(watches.all(), ownership, schedule));
    publishCompleted();
  }

  private void publishCompleted() {
    List<PollResult> work = new ArrayList<>();
    Set<Integer> partitions = new HashSet<>();
    Instant now = clock.instant();
    for (PollDispatch.Completed c : polls.completed()) {
      if (!ownership.current(c.partition(), c.epoch())) {
        continue; // ownership changed while the catalog answered: the new owner polls again
      }
      String key = c.watch().key();
      PollResult result = c.result();
      if (result.failed()) {
        metrics.polled("error", c.took());
        metrics.catalogError(key);
        schedule.polled(key, c.started(), now, false, true);
        statuses.failed(key, now, schedule.interval(key), result.error());
        metrics.polledTable(key, this::staleness);
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
      } else {
        metrics.polledPositions(key, result.checkpoint()); // as committed before
      }
    }
    if (!work.isEmpty()) {
      publish(work, partitions);
    }
  }

  private double staleness(String table) {
    return statuses.lag(table, clock.instant()).toMillis() / 1000.0;
  }

  /** A failed poll's checkpoint, recording the error so that operators see it in the state. */
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
    TransactionalChannel.Outcome outcome =
        channel.transact(
            send -> {
              for (PollResult result : work) {
                for (TableEvent event : result.events()) {
                  send.accept(
                      EventRecords.of(
                          settings.snapshotsTopic(), Event.of(event, settings.source(), now)));
                }
                if (result.checkpointChanged() && result.checkpoint() != null) {
                  send.accept(
                      EventRecords.of(
                          settings.checkpointsTopic(),
                          Event.of(result.checkpoint(), settings.source(), now)));
                }
              }
              Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
              for (int partition : partitions) {
                TopicPartition tp = new TopicPartition(settings.checkpointsTopic(), partition);
                offsets.put(tp, new OffsetAndMetadata(channel.consumer().position(tp)));
              }
              return offsets;
            });
    switch (outcome) {
      case COMMITTED -> {
        metrics.transaction("committed");
        for (PollResult result : work) {
          if (result.checkpoint() != null) {
            ownership.committed(result.tableKey(), result.checkpoint());
          }
          result.events().forEach(metrics::published);
          metrics.polledPositions(result.tableKey(), result.checkpoint());
        }
      }
      case FENCED -> {
        // A new producer: what the old one committed is only known from the topic.
        metrics.transaction("fenced");
        ownership.restore(channel.consumer(), new ArrayList<>(ownership.partitions()));
        work.forEach(r -> schedule.hint(r.tableKey(), now));
      }
      case ABORTED -> {
        metrics.transaction("aborted");
        ownership.restore(channel.consumer(), partitions);
        work.forEach(r -> schedule.hint(r.tableKey(), now));
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
      hints.seek(channel.consumer(), hintPartitions);
      state = "running";
      ownership.assigned(channel.consumer(), checkpointPartitions, () -> running);
    }

    private void drop(Collection<TopicPartition> partitions) {
      Set<Integer> dropped = ownership.dropped(partitions);
      if (dropped.isEmpty()) {
        return;
      }
      for (Watch watch : watches.all()) {
        if (dropped.contains(
            dev.floe.broker.Partitions.forKey(watch.key(), settings.partitions()))) {
          schedule.forget(watch.key());
          statuses.forget(watch.key());
        }
      }
    }
  }

  /** Stops the loop; the consumer leaves its group so another instance takes over at once. */
  @Override
  public void close() {
    running = false;
    channel.wakeup();
  }
}
