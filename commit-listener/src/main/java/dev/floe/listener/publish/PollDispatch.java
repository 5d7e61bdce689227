package dev.floe.listener.publish;

import dev.floe.broker.Daemons;
import dev.floe.broker.Partitions;
import dev.floe.contracts.event.ListenerCheckpoint;
import dev.floe.listener.lineage.PollResult;
import dev.floe.listener.poll.PollSchedule;
import dev.floe.listener.watch.Watch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Sends the due tables of owned, restored partitions to a bounded pool of catalog calls, one call
 * per table at a time, and hands back what they answered. Each call remembers the partition's epoch
 * it started in, so the loop can drop answers that a rebalance or restore made stale.
 *
 * <p>{@link #dispatch} and {@link #completed} are called by the loop thread only.
 */
final class PollDispatch implements AutoCloseable {
  /** One answered poll. */
  record Completed(
      Watch watch, int partition, int epoch, PollResult result, Instant started, Duration took) {}

  private final int maxConcurrent;
  private final int partitions;
  private final TablePoller poller;
  private final Clock clock;
  private final ExecutorService calls;
  private final ConcurrentLinkedQueue<Completed> completed = new ConcurrentLinkedQueue<>();
  private final Set<String> inFlight = new HashSet<>();

  PollDispatch(int maxConcurrent, int partitions, TablePoller poller, Clock clock) {
    this.maxConcurrent = maxConcurrent;
    this.partitions = partitions;
    this.poller = poller;
    this.clock = clock;
    this.calls =
        Executors.newFixedThreadPool(maxConcurrent, Daemons.named("floe-listener-catalog"));
  }

  /**
   * Starts a poll of each due table this instance may poll now; answers how many tables it owns.
   */
  int dispatch(Iterable<Watch> watches, PartitionOwnership ownership, PollSchedule schedule) {
    Instant now = clock.instant();
    int owning = 0;
    for (Watch watch : watches) {
      String key = watch.key();
      int partition = Partitions.forKey(key, partitions);
      PartitionOwnership.Partition owned = ownership.get(partition);
      if (owned == null) {
        continue;
      }
      owning++;
      if (owned.restoring()
          || inFlight.contains(key)
          || inFlight.size() >= maxConcurrent
          || !schedule.isDue(key, now)) {
        continue;
      }
      inFlight.add(key);
      ListenerCheckpoint checkpoint = ownership.checkpoint(key);
      int epoch = owned.epoch();
      calls.execute(
          () -> {
            Instant started = clock.instant();
            PollResult result = poller.poll(watch, checkpoint);
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
    return owning;
  }

  /** The polls answered since the last call; their tables may be dispatched again. */
  List<Completed> completed() {
    List<Completed> done = new ArrayList<>();
    for (Completed c = completed.poll(); c != null; c = completed.poll()) {
      inFlight.remove(c.watch().key());
      done.add(c);
    }
    return done;
  }

  @Override
  public void close() {
    calls.shutdownNow();
  }
}
