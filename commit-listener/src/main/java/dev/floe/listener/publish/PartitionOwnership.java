package dev.floe.listener.publish;

import dev.floe.broker.Partitions;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.ListenerCheckpoint;
import dev.floe.listener.status.ListenerMetrics;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.jboss.logging.Logger;

/**
 * The checkpoint partitions this instance owns and the checkpoints of their tables.
 *
 * <p>A partition is owned from its assignment, but its tables are polled only once its checkpoints
 * are restored: read from the topic's beginning to the end offset seen at assignment, after no
 * transaction of the previous owner is pending any more (KIP-447's fencing barrier). Each restore
 * starts a new epoch, so a poll dispatched before it is recognised and dropped.
 *
 * <p>Written by the loop thread only; {@link #owns} may be called from any thread.
 */
final class PartitionOwnership {
  private static final Logger LOG = Logger.getLogger(PartitionOwnership.class);

  /** An owned partition; read on the loop thread. */
  static final class Partition {
    private int epoch;
    private boolean restoring = true;
    private long restoreTarget;

    int epoch() {
      return epoch;
    }

    boolean restoring() {
      return restoring;
    }
  }

  private final String checkpointsTopic;
  private final int partitions;
  private final ListenerMetrics metrics;
  private final Map<Integer, Partition> owned = new HashMap<>();
  private final Map<String, ListenerCheckpoint> checkpoints = new HashMap<>();

  PartitionOwnership(String checkpointsTopic, int partitions, ListenerMetrics metrics) {
    this.checkpointsTopic = checkpointsTopic;
    this.partitions = partitions;
    this.metrics = metrics;
  }

  /** Whether this instance polls {@code tableKey} now. Thread-safe, approximate. */
  boolean owns(String tableKey) {
    synchronized (owned) {
      Partition p = owned.get(Partitions.forKey(tableKey, partitions));
      return p != null && !p.restoring;
    }
  }

  /** The owned partition, or null. */
  Partition get(int partition) {
    return owned.get(partition);
  }

  /** Whether a poll dispatched in {@code epoch} of {@code partition} may still be published. */
  boolean current(int partition, int epoch) {
    Partition p = owned.get(partition);
    return p != null && p.epoch == epoch && !p.restoring;
  }

  Set<Integer> partitions() {
    return owned.keySet();
  }

  ListenerCheckpoint checkpoint(String tableKey) {
    return checkpoints.get(tableKey);
  }

  /** Keeps a checkpoint that a transaction committed. */
  void committed(String tableKey, ListenerCheckpoint checkpoint) {
    checkpoints.put(tableKey, checkpoint);
  }

  /** Takes a record of the checkpoints topic, read while its partition restores. */
  void restoreRecord(ConsumerRecord<String, byte[]> record) {
    Partition p = owned.get(record.partition());
    if (p == null || !p.restoring) {
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

  /** Ends the restore of every partition whose checkpoints are read to their target. */
  void finishRestores(Consumer<?, ?> consumer) {
    synchronized (owned) {
      owned.forEach(
          (partition, p) -> {
            if (p.restoring
                && consumer.position(new TopicPartition(checkpointsTopic, partition))
                    >= p.restoreTarget) {
              p.restoring = false;
              LOG.debugf("checkpoints of partition %d restored", partition);
            }
          });
    }
  }

  /**
   * Takes newly assigned checkpoint partitions and starts their restore. With read_committed, the
   * first {@code committed()} call waits until no transaction of a previous owner is pending, so
   * the checkpoints read next are final.
   */
  void assigned(Consumer<?, ?> consumer, List<TopicPartition> assigned, BooleanSupplier running) {
    if (assigned.isEmpty()) {
      return;
    }
    while (running.getAsBoolean()) {
      try {
        consumer.committed(new HashSet<>(assigned));
        break;
      } catch (TimeoutException e) {
        LOG.infof("waiting for a previous owner's transaction to finish: %s", e.getMessage());
      }
    }
    consumer.seekToBeginning(assigned);
    Map<TopicPartition, Long> ends = consumer.endOffsets(assigned);
    synchronized (owned) {
      for (TopicPartition tp : assigned) {
        Partition p = new Partition();
        p.restoreTarget = ends.get(tp);
        owned.put(tp.partition(), p);
      }
    }
    LOG.infof("commit-listener now owns checkpoint partitions %s", assigned);
  }

  /**
   * Re-reads the checkpoints of {@code restored}, the truth after a failed transaction, in a new
   * epoch.
   */
  void restore(Consumer<?, ?> consumer, Collection<Integer> restored) {
    List<TopicPartition> tps =
        restored.stream()
            .filter(owned::containsKey)
            .map(p -> new TopicPartition(checkpointsTopic, p))
            .toList();
    if (tps.isEmpty()) {
      return;
    }
    checkpoints.keySet().removeIf(key -> restored.contains(Partitions.forKey(key, partitions)));
    consumer.seekToBeginning(tps);
    Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
    synchronized (owned) {
      for (TopicPartition tp : tps) {
        Partition p = owned.get(tp.partition());
        p.epoch++;
        p.restoring = true;
        p.restoreTarget = ends.get(tp);
      }
    }
  }

  /** Gives up revoked or lost checkpoint partitions; answers them. */
  Set<Integer> dropped(Collection<TopicPartition> revoked) {
    Set<Integer> dropped = new HashSet<>();
    for (TopicPartition tp : revoked) {
      if (tp.topic().equals(checkpointsTopic)) {
        dropped.add(tp.partition());
      }
    }
    synchronized (owned) {
      dropped.forEach(owned::remove);
    }
    checkpoints.keySet().removeIf(key -> dropped.contains(Partitions.forKey(key, partitions)));
    if (!dropped.isEmpty()) {
      LOG.infof("commit-listener gave up checkpoint partitions %s", dropped);
    }
    return dropped;
  }
}
