package dev.floe.capture.engine;

import dev.floe.broker.Daemons;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.topic.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * Captures the snapshots of one poll before anything of them is sent: each table's snapshots in
 * groups of at most {@code groupMax}, in offset order, one group after the other; different tables
 * side by side, at most {@code parallelism} at once. A table's capture waits mostly on its catalog
 * and its storage (reading manifests, the ICDC commit, the pin commit), not on the CPU, so one loop
 * thread capturing a backlog of many tables one after the other left both the CPU and the catalog
 * idle most of the time.
 *
 * <p>Tables share nothing in a capture: each has its own ICDC tables and its own pins. A table's
 * snapshots are all in one partition (the listener keys them by table), so a partition's records
 * are sent in offset order once every table of the batch is done, as before: the partition stops at
 * the first record of the first group that must wait for a retry or that the spent budget left, and
 * what was captured past that point is captured again, finding its states committed.
 */
final class BatchCapture implements AutoCloseable {
  private final CaptureEngine.Step step;
  private final int groupMax;
  private final ExecutorService workers;

  /**
   * @param parallelism tables captured at once; 1 captures them one after the other on the loop's
   *     thread
   */
  BatchCapture(CaptureEngine.Step step, int groupMax, int parallelism) {
    this.step = step;
    this.groupMax = groupMax;
    this.workers =
        parallelism > 1
            ? Executors.newFixedThreadPool(parallelism, Daemons.named("floe-capture-worker"))
            : null;
  }

  /** A record and what it holds: a payload, nothing (a tombstone), or why it cannot be read. */
  record Decoded(
      ConsumerRecord<String, byte[]> record, Payload payload, EventDecodingException error) {
    static Decoded of(ConsumerRecord<String, byte[]> record) {
      if (record.value() == null) {
        return new Decoded(record, null, null);
      }
      try {
        return new Decoded(record, EventCodec.decode(record.value()).payload(), null);
      } catch (EventDecodingException e) {
        return new Decoded(record, null, e);
      }
    }

    long offset() {
      return record.offset();
    }
  }

  /**
   * What one partition's records came to.
   *
   * @param decoded the records, in offset order
   * @param results what each captured snapshot answered, by offset
   * @param stop the first offset not to send: the first record of the first group that was not
   *     captured; {@link Long#MAX_VALUE} when every group was
   * @param retry why the group at {@code stop} must wait; null when the budget left it
   */
  record Partition(
      List<Decoded> decoded,
      Map<Long, SnapshotCapture.Result> results,
      long stop,
      SnapshotCapture.Retry retry) {}

  /**
   * Captures every snapshot of {@code records} that fits {@code budget}.
   *
   * @return by partition, in the order of {@code records}
   */
  Map<TopicPartition, Partition> capture(ConsumerRecords<String, byte[]> records, Budget budget) {
    Map<TopicPartition, List<Decoded>> decoded = new LinkedHashMap<>();
    List<Table> tables = new ArrayList<>();
    Map<String, Object> locks = new HashMap<>();
    for (TopicPartition tp : records.partitions()) {
      List<Decoded> partition = records.records(tp).stream().map(Decoded::of).toList();
      decoded.put(tp, partition);
      AtomicLong stop = new AtomicLong(Long.MAX_VALUE);
      groups(partition)
          .forEach(
              (key, groups) ->
                  tables.add(
                      new Table(tp, locks.computeIfAbsent(key, k -> new Object()), groups, stop)));
    }
    if (!tables.isEmpty()) {
      tables.get(0).first = true;
    }
    run(tables, budget);
    Map<TopicPartition, Partition> out = new LinkedHashMap<>();
    decoded.forEach(
        (tp, partition) -> {
          Map<Long, SnapshotCapture.Result> results = new HashMap<>();
          Table first = null;
          for (Table table : tables) {
            if (table.tp.equals(tp)) {
              results.putAll(table.results);
              if (first == null || table.stop < first.stop) {
                first = table;
              }
            }
          }
          out.put(
              tp,
              first == null
                  ? new Partition(partition, results, Long.MAX_VALUE, null)
                  : new Partition(partition, results, first.stop, first.retry));
        });
    return out;
  }

  /** Runs each table's groups, side by side when there are workers and more than one table. */
  private void run(List<Table> tables, Budget budget) {
    if (workers == null || tables.size() < 2) {
      tables.forEach(table -> table.run(budget));
      return;
    }
    List<Future<?>> running = new ArrayList<>();
    tables.forEach(table -> running.add(workers.submit(() -> table.run(budget))));
    // Every table's capture ends before the batch goes on, a failed one's too: none may still be
    // committing while the loop retries or sends. An interrupt does not cut the wait short.
    Throwable failed = null;
    boolean interrupted = false;
    for (Future<?> future : running) {
      while (true) {
        try {
          future.get();
          break;
        } catch (ExecutionException e) {
          if (failed == null) {
            failed = e.getCause();
          } else {
            failed.addSuppressed(e.getCause());
          }
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (failed instanceof RuntimeException r) {
      throw r;
    }
    if (failed instanceof Error e) {
      throw e;
    }
    if (failed != null) {
      throw new IllegalStateException(failed);
    }
  }

  /**
   * A partition's snapshots grouped by table, each table's in offset order, at most {@link
   * #groupMax} a group; the tables in the order of their first records.
   */
  private Map<String, List<List<Decoded>>> groups(List<Decoded> decoded) {
    Map<String, List<List<Decoded>>> byTable = new LinkedHashMap<>();
    for (Decoded d : decoded) {
      if (d.payload instanceof SnapshotCommitted committed) {
        List<List<Decoded>> groups =
            byTable.computeIfAbsent(Topics.tableKey(committed.table()), k -> new ArrayList<>());
        if (groups.isEmpty() || groups.get(groups.size() - 1).size() >= groupMax) {
          groups.add(new ArrayList<>());
        }
        groups.get(groups.size() - 1).add(d);
      }
    }
    return byTable;
  }

  /**
   * One table's groups of a batch, captured one after the other, and where they stopped. A group at
   * or past where its partition already stopped is not captured: it would not be sent.
   */
  private final class Table {
    final TopicPartition tp;
    final Object table;
    final List<List<Decoded>> groups;
    final AtomicLong partitionStop;
    final Map<Long, SnapshotCapture.Result> results = new LinkedHashMap<>();
    long stop = Long.MAX_VALUE;
    SnapshotCapture.Retry retry;

    /** The batch's first table, in partition and offset order: its first group is always run. */
    boolean first;

    /**
     * @param table one object per table key in the batch, held while its groups are captured
     */
    Table(TopicPartition tp, Object table, List<List<Decoded>> groups, AtomicLong partitionStop) {
      this.tp = tp;
      this.table = table;
      this.groups = groups;
      this.partitionStop = partitionStop;
    }

    void run(Budget budget) {
      // A table's snapshots are in one partition, keyed by table; should a repartitioned topic
      // bring one table's in two partitions to one batch, their captures still run one at a time.
      synchronized (table) {
        for (List<Decoded> group : groups) {
          long offset = group.get(0).offset();
          if (offset >= partitionStop.get()) {
            stop(offset, null);
            return;
          }
          if (!(first && group == groups.get(0)) && budget.spent()) {
            stop(offset, null); // left for the next transaction
            return;
          }
          List<SnapshotCapture.Result> captured;
          try {
            captured =
                step.capture(group.stream().map(d -> (SnapshotCommitted) d.payload).toList());
          } catch (SnapshotCapture.Retry e) {
            stop(offset, e);
            return;
          }
          for (int i = 0; i < group.size(); i++) {
            results.put(group.get(i).offset(), captured.get(i));
          }
        }
      }
    }

    private void stop(long offset, SnapshotCapture.Retry why) {
      stop = offset;
      retry = why;
      partitionStop.accumulateAndGet(offset, Math::min);
    }
  }

  /**
   * The time one transaction may keep capturing, until a {@link System#nanoTime()} deadline. The
   * first group of a batch (its first table's) is captured whatever the budget, so that every poll
   * makes progress.
   */
  record Budget(long deadline) {
    boolean spent() {
      return System.nanoTime() - deadline >= 0;
    }
  }

  @Override
  public void close() {
    if (workers != null) {
      workers.shutdownNow();
    }
  }
}
