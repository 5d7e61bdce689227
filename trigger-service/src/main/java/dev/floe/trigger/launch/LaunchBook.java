package dev.floe.trigger.launch;

import dev.floe.contracts.event.RunRequested;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What the launch loop has read and not yet answered. Each trigger's launches go one at a time, in
 * the order they were requested, so that one trigger's slow endpoint holds back only its own runs.
 * A backfill's chunk runs are not in that line: each chunk has a line of its own, since the
 * backfill already bounds how many of its chunks run at once, and their order does not matter. A
 * partition's committable position is its lowest offset still open: a record is read again after a
 * crash until every record before it was answered. Only the loop's thread uses it.
 */
final class LaunchBook {
  /** A requested run, read at {@code offset} of {@code partition}. */
  record Entry(TopicPartition partition, long offset, RunRequested run, long requestedAtMs) {}

  /** Per partition: the offsets of the runs not answered yet. */
  private final Map<TopicPartition, TreeSet<Long>> open = new HashMap<>();

  /** Per partition: the offset after the last record read. */
  private final Map<TopicPartition, Long> next = new HashMap<>();

  /** Per partition: the position committed last, or the first offset read since assignment. */
  private final Map<TopicPartition, Long> committed = new HashMap<>();

  /** Per line ({@link #line}): its runs in the order requested; the head is launching when busy. */
  private final Map<String, ArrayDeque<Entry>> queues = new LinkedHashMap<>();

  private final Set<Entry> launching = new HashSet<>();

  /** The chunk calls one trigger may have in flight: its backfills never take every slot. */
  private final int chunkCallsPerTrigger;

  /** Per trigger: its chunk runs launching now. */
  private final Map<String, Integer> chunkCalls = new HashMap<>();

  /** A book whose triggers may each have any number of chunk calls in flight. */
  LaunchBook() {
    this(Integer.MAX_VALUE);
  }

  /**
   * @param chunkCallsPerTrigger the chunk calls one trigger may have in flight, so that a backfill
   *     whose endpoint hangs leaves slots to the other triggers
   */
  LaunchBook(int chunkCallsPerTrigger) {
    this.chunkCallsPerTrigger = chunkCallsPerTrigger;
  }

  /** A record that needs no launch (not a request, or one answered before). */
  void read(TopicPartition partition, long offset) {
    committed.putIfAbsent(partition, offset);
    next.put(partition, offset + 1);
  }

  /** A run to launch once its trigger's earlier ones are answered. */
  void request(Entry entry) {
    read(entry.partition(), entry.offset());
    open.computeIfAbsent(entry.partition(), p -> new TreeSet<>()).add(entry.offset());
    queues.computeIfAbsent(line(entry.run()), t -> new ArrayDeque<>()).add(entry);
  }

  /**
   * The line a run waits in: its trigger's, or for a backfill's chunk, the chunk's own (its
   * attempts are requested one after another's outcome already).
   */
  static String line(RunRequested run) {
    return run.backfill() == null
        ? run.triggerId()
        : run.triggerId() + "/" + run.backfill().backfillId() + "/" + run.backfill().chunkId();
  }

  /** Up to {@code limit} runs that can launch now, each the oldest of its line: marked busy. */
  List<Entry> startable(int limit) {
    return startable(limit, p -> true);
  }

  /** As {@link #startable(int)}, of the partitions {@code ready} accepts. */
  List<Entry> startable(int limit, Predicate<TopicPartition> ready) {
    List<Entry> start = new ArrayList<>();
    for (ArrayDeque<Entry> queue : queues.values()) {
      if (start.size() >= limit) {
        break;
      }
      Entry head = queue.peekFirst();
      if (head == null || !ready.test(head.partition()) || launching.contains(head)) {
        continue;
      }
      boolean chunk = head.run().backfill() != null;
      if (chunk && chunkCalls.getOrDefault(head.run().triggerId(), 0) >= chunkCallsPerTrigger) {
        continue;
      }
      launching.add(head);
      if (chunk) {
        chunkCalls.merge(head.run().triggerId(), 1, Integer::sum);
      }
      start.add(head);
    }
    return start;
  }

  /** Closes the runs not launching that {@code done} names, as answered without a call. */
  void drop(Predicate<Entry> done) {
    List<Entry> closed = new ArrayList<>();
    for (ArrayDeque<Entry> queue : queues.values()) {
      for (Entry e : queue) {
        if (!launching.contains(e) && done.test(e)) {
          closed.add(e);
        }
      }
    }
    closed.forEach(this::answered);
  }

  /** True while {@code entry} is launching: an answer for anything else is stale. */
  boolean launching(Entry entry) {
    return launching.contains(entry);
  }

  /** The run was answered: its offset closes and its trigger's next run may launch. */
  void answered(Entry entry) {
    if (launching.remove(entry) && entry.run().backfill() != null) {
      chunkCalls.computeIfPresent(entry.run().triggerId(), (t, n) -> n > 1 ? n - 1 : null);
    }
    String line = line(entry.run());
    ArrayDeque<Entry> queue = queues.get(line);
    if (queue != null) {
      queue.remove(entry);
      if (queue.isEmpty()) {
        queues.remove(line);
      }
    }
    TreeSet<Long> offsets = open.get(entry.partition());
    if (offsets != null) {
      offsets.remove(entry.offset());
    }
  }

  /** The positions that moved since the last commit: each partition's lowest open offset. */
  Map<TopicPartition, OffsetAndMetadata> positions() {
    Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
    next.forEach(
        (partition, after) -> {
          TreeSet<Long> offsets = open.get(partition);
          long position = offsets == null || offsets.isEmpty() ? after : offsets.first();
          if (position != committed.get(partition)) {
            positions.put(partition, new OffsetAndMetadata(position));
          }
        });
    return positions;
  }

  /** The positions were committed. */
  void committed(Map<TopicPartition, OffsetAndMetadata> positions) {
    positions.forEach((partition, position) -> committed.put(partition, position.offset()));
  }

  /** Where each partition is read again from after a failed commit: its last committed position. */
  Map<TopicPartition, Long> rewindPoints() {
    return Map.copyOf(committed);
  }

  /** Forgets the partitions (revoked, lost, or read again): answers for their runs are stale. */
  void forget(Collection<TopicPartition> partitions) {
    Set<TopicPartition> gone = new HashSet<>(partitions);
    for (Iterator<ArrayDeque<Entry>> it = queues.values().iterator(); it.hasNext(); ) {
      ArrayDeque<Entry> queue = it.next();
      queue.removeIf(e -> gone.contains(e.partition()));
      if (queue.isEmpty()) {
        it.remove();
      }
    }
    launching.removeIf(e -> gone.contains(e.partition()));
    chunkCalls.clear();
    launching.stream()
        .filter(e -> e.run().backfill() != null)
        .forEach(e -> chunkCalls.merge(e.run().triggerId(), 1, Integer::sum));
    gone.forEach(
        p -> {
          open.remove(p);
          next.remove(p);
          committed.remove(p);
        });
  }

  /** Every partition read from. */
  Set<TopicPartition> partitions() {
    return Set.copyOf(next.keySet());
  }

  /** Runs read and not yet answered. */
  int size() {
    return open.values().stream().mapToInt(TreeSet::size).sum();
  }

  /** Whether a run of {@code partitions} is launching. */
  boolean launchingIn(Collection<TopicPartition> partitions) {
    return launching.stream().anyMatch(e -> partitions.contains(e.partition()));
  }

  /** Runs launching now. */
  int launching() {
    return launching.size();
  }
}
