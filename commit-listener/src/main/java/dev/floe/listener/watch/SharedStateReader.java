package dev.floe.listener.watch;

import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.ListenerCheckpoint;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.WatchDefined;
import dev.floe.listener.status.ListenerMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * Every instance's view of the two compacted topics, read in full: watch definitions feed the
 * {@link WatchRegistry}, and the latest checkpoint of every table feeds the REST status, whichever
 * instance owns the table. Malformed records are skipped with an error and a metric: every instance
 * reads them, so dead-lettering would copy them once per instance.
 *
 * <p>Thread-safe; reads on its own thread.
 */
public final class SharedStateReader implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(SharedStateReader.class);

  private final Consumer<String, byte[]> consumer;
  private final String watchesTopic;
  private final String checkpointsTopic;
  private final WatchRegistry registry;
  private final ListenerMetrics metrics;
  private final Map<String, ListenerCheckpoint> checkpoints = new ConcurrentHashMap<>();
  private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;

  public SharedStateReader(
      Consumer<String, byte[]> consumer,
      String watchesTopic,
      String checkpointsTopic,
      WatchRegistry registry,
      ListenerMetrics metrics) {
    this.consumer = consumer;
    this.watchesTopic = watchesTopic;
    this.checkpointsTopic = checkpointsTopic;
    this.registry = registry;
    this.metrics = metrics;
    this.thread = new Thread(this::run, "floe-listener-state");
    this.thread.setDaemon(true);
  }

  public void start() {
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(watchesTopic, checkpointsTopic)) {
      for (PartitionInfo info : consumer.partitionsFor(topic)) {
        partitions.add(new TopicPartition(topic, info.partition()));
      }
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread.start();
  }

  private void run() {
    try {
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
          apply(record);
        }
        synchronized (positions) {
          for (TopicPartition tp : consumer.assignment()) {
            positions.put(tp, consumer.position(tp));
          }
          positions.notifyAll();
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      LOG.error("the watches and checkpoints reader stopped", e);
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  private void apply(ConsumerRecord<String, byte[]> record) {
    boolean watches = record.topic().equals(watchesTopic);
    if (record.value() == null) {
      if (watches) {
        registry.apply(record.key(), null);
      } else {
        checkpoints.remove(record.key());
      }
      return;
    }
    try {
      Payload payload = EventCodec.decode(record.value()).payload();
      if (watches && payload instanceof WatchDefined definition) {
        registry.apply(record.key(), definition);
      } else if (!watches && payload instanceof ListenerCheckpoint checkpoint) {
        checkpoints.put(record.key(), checkpoint);
      } else {
        throw new EventDecodingException(
            EventDecodingException.Reason.UNKNOWN_TYPE,
            payload.getClass().getSimpleName() + " does not belong here");
      }
    } catch (EventDecodingException e) {
      metrics.invalidRecord(record.topic());
      LOG.errorf(
          "skipping %s-%d@%d (%s): %s",
          record.topic(), record.partition(), record.offset(), e.reason().code(), e.getMessage());
    }
  }

  public Optional<ListenerCheckpoint> checkpoint(String tableKey) {
    return Optional.ofNullable(checkpoints.get(tableKey));
  }

  /**
   * Waits until the record at {@code offset} of {@code partition} has been applied, so that a REST
   * caller reads its own write.
   *
   * @return false when it was not applied within {@code timeout}
   */
  public boolean awaitApplied(TopicPartition partition, long offset, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    synchronized (positions) {
      while (positions.getOrDefault(partition, -1L) <= offset) {
        long left = Duration.between(Instant.now(), deadline).toMillis();
        if (left <= 0) {
          return false;
        }
        try {
          positions.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
