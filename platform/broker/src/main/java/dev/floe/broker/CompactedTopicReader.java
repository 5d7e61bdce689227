package dev.floe.broker;

import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.Payload;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * Reads compacted topics in full, from the beginning and then as they grow, on its own thread:
 * every instance of a service keeps the same view of definitions and state. Malformed records are
 * skipped with an error and reported to {@link Handler#invalid}. Every instance reads them, at
 * every start: the topic's owner dead-letters them through {@link DeadLetterOnce}, once for all.
 *
 * <p>Thread-safe.
 */
public final class CompactedTopicReader implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(CompactedTopicReader.class);

  /** What to do with each record; called on the reader's thread. */
  public interface Handler {
    /** A decoded record, or a tombstone ({@code payload} null). */
    void apply(String topic, String key, Payload payload);

    /**
     * A record that is not a Floe event, or ({@link EventDecodingException.Reason#UNEXPECTED_TYPE})
     * one that {@link #accepts} refused. It is not applied.
     */
    default void invalid(ConsumerRecord<String, byte[]> record, EventDecodingException error) {}

    /** Whether an event of this type belongs on {@code topic}; those that do not are invalid. */
    default boolean accepts(String topic, Payload payload) {
      return true;
    }
  }

  private final Consumer<String, byte[]> consumer;
  private final List<String> topics;
  private final Handler handler;
  private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;

  public CompactedTopicReader(
      Consumer<String, byte[]> consumer, List<String> topics, Handler handler, String threadName) {
    this.consumer = consumer;
    this.topics = List.copyOf(topics);
    this.handler = handler;
    this.thread = new Thread(this::run, threadName);
    this.thread.setDaemon(true);
  }

  /**
   * Assigns every partition of the topics, which must exist, and starts reading. A topic created
   * just before may not show in the metadata yet: its partitions are asked for again, up to 30 s.
   */
  public void start() {
    List<TopicPartition> partitions = new ArrayList<>();
    Instant deadline = Instant.now().plusSeconds(30);
    for (String topic : topics) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic);
      while ((infos == null || infos.isEmpty()) && Instant.now().isBefore(deadline)) {
        LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        infos = consumer.partitionsFor(topic);
      }
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException(topic + " has no partitions after 30 s");
      }
      for (PartitionInfo info : infos) {
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
      LOG.errorf(e, "the reader of %s stopped", topics);
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  private void apply(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      handler.apply(record.topic(), record.key(), null);
      return;
    }
    try {
      Payload payload = EventCodec.decode(record.value()).payload();
      if (!handler.accepts(record.topic(), payload)) {
        throw new EventDecodingException(
            EventDecodingException.Reason.UNEXPECTED_TYPE,
            payload.getClass().getSimpleName() + " does not belong on " + record.topic());
      }
      handler.apply(record.topic(), record.key(), payload);
    } catch (EventDecodingException e) {
      LOG.errorf(
          "skipping %s-%d@%d (%s): %s",
          record.topic(), record.partition(), record.offset(), e.reason().code(), e.getMessage());
      handler.invalid(record, e);
    }
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

  /**
   * Waits until every partition of the topics is read up to the end it had when this was called:
   * what was defined before start-up is then known. A service that acts on input for which no
   * definition is known yet (it skips the input) must wait for this first.
   *
   * @param probe looks up end offsets; not the reader's own consumer, which only its thread uses
   * @return false when that took longer than {@code timeout}
   */
  public boolean awaitCaughtUp(Consumer<?, ?> probe, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    List<TopicPartition> partitions = new java.util.ArrayList<>();
    for (String topic : topics) {
      probe.partitionsFor(topic, timeout).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition()))
          .forEach(partitions::add);
    }
    Map<TopicPartition, Long> ends = probe.endOffsets(partitions, timeout);
    for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
      Duration left = Duration.between(Instant.now(), deadline);
      if (end.getValue() > 0
          && (left.isNegative() || !awaitApplied(end.getKey(), end.getValue() - 1, left))) {
        return false;
      }
    }
    return true;
  }

  /** Whether the reader still reads: false once its thread stopped on an error. */
  public boolean alive() {
    return running && thread.isAlive();
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
