package dev.floe.listener.watch;

import dev.floe.broker.CompactedTopicReader;
import dev.floe.broker.DeadLetterOnce;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.ListenerCheckpoint;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.WatchDefined;
import dev.floe.listener.status.ListenerMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Every instance's view of the listener's two compacted topics: watch definitions feed the {@link
 * WatchRegistry}, and the latest checkpoint of every table feeds the REST status, whichever
 * instance owns the table.
 *
 * <p>Thread-safe.
 */
public final class SharedStateReader implements AutoCloseable {
  private final String watchesTopic;
  private final WatchRegistry registry;
  private final ListenerMetrics metrics;
  private final Map<String, ListenerCheckpoint> checkpoints = new ConcurrentHashMap<>();
  private final CompactedTopicReader reader;
  private final DeadLetterOnce deadLetters;

  public SharedStateReader(
      Consumer<String, byte[]> consumer,
      String watchesTopic,
      String checkpointsTopic,
      WatchRegistry registry,
      ListenerMetrics metrics,
      DeadLetterOnce deadLetters) {
    this.deadLetters = deadLetters;
    this.watchesTopic = watchesTopic;
    this.registry = registry;
    this.metrics = metrics;
    this.reader =
        new CompactedTopicReader(
            consumer,
            List.of(watchesTopic, checkpointsTopic),
            new CompactedTopicReader.Handler() {
              @Override
              public boolean accepts(String topic, Payload payload) {
                return topic.equals(watchesTopic)
                    ? payload instanceof WatchDefined
                    : payload instanceof ListenerCheckpoint;
              }

              @Override
              public void apply(String topic, String key, Payload payload) {
                SharedStateReader.this.apply(topic, key, payload);
              }

              @Override
              public void invalid(ConsumerRecord<String, byte[]> record, EventDecodingException e) {
                metrics.invalidRecord(record.topic());
                // Every instance reads it: dead-lettered once for all of them.
                deadLetters.deadLetter(record, e.reason().code(), e.getMessage());
              }
            },
            "floe-listener-state");
  }

  public void start() {
    reader.start();
  }

  /** A definition, checkpoint or tombstone; events of other types were dead-lettered instead. */
  private void apply(String topic, String key, Payload payload) {
    if (topic.equals(watchesTopic)) {
      registry.apply(key, (WatchDefined) payload);
    } else if (payload == null) {
      checkpoints.remove(key);
    } else {
      checkpoints.put(key, (ListenerCheckpoint) payload);
    }
  }

  public Optional<ListenerCheckpoint> checkpoint(String tableKey) {
    return Optional.ofNullable(checkpoints.get(tableKey));
  }

  /** See {@link CompactedTopicReader#awaitApplied}. */
  public boolean awaitApplied(TopicPartition partition, long offset, Duration timeout) {
    return reader.awaitApplied(partition, offset, timeout);
  }

  @Override
  public void close() {
    reader.close();
    deadLetters.close();
  }
}
