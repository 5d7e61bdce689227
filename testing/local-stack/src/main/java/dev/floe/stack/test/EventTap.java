package dev.floe.stack.test;

import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;

/**
 * Reads a topic as a downstream consumer would: from the beginning, committed transactions only, in
 * partition order. Each call reads what has arrived since the previous one.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
public final class EventTap implements AutoCloseable {
  /** One record: its event, and where it was in the topic. */
  public record Received(Event event, int partition, long offset, String key) {}

  private final KafkaConsumer<String, byte[]> consumer;
  private final List<Received> received = new ArrayList<>();
  private final List<ConsumerRecord<String, byte[]>> raw = new ArrayList<>();
  private final List<ConsumerRecord<String, byte[]>> undecodable = new ArrayList<>();

  public EventTap(String bootstrapServers, String topic) {
    consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG,
                "tap-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.METADATA_MAX_AGE_CONFIG,
                1000),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    consumer.subscribe(List.of(topic));
  }

  /**
   * Reads what is available now, within about {@code wait}, and returns every event read so far. A
   * record that is not an event, such as a test's poison record on a shared topic, is kept in
   * {@link #raw()} and {@link #undecodable()} only: a service's output that fails to decode shows
   * as the event a test awaits never arriving.
   */
  public List<Received> poll(Duration wait) {
    for (ConsumerRecord<String, byte[]> record : consumer.poll(wait)) {
      raw.add(record);
      if (record.value() == null) {
        continue;
      }
      try {
        received.add(
            new Received(
                EventCodec.decode(record.value()),
                record.partition(),
                record.offset(),
                record.key()));
      } catch (EventDecodingException e) {
        undecodable.add(record);
      }
    }
    return List.copyOf(received);
  }

  /** The records read so far by {@link #poll} whose value is not an event. */
  public List<ConsumerRecord<String, byte[]>> undecodable() {
    return List.copyOf(undecodable);
  }

  /** Reads raw records only, for topics such as dead-letter topics whose values are not events. */
  public List<ConsumerRecord<String, byte[]>> pollRaw(Duration wait) {
    consumer.poll(wait).forEach(raw::add);
    return List.copyOf(raw);
  }

  /** Reads until the consumer has reached the current end of every partition it is assigned. */
  public List<Received> drain() {
    poll(Duration.ofMillis(200));
    Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("could not read to the end of " + ends);
      }
      poll(Duration.ofMillis(100));
    }
    return List.copyOf(received);
  }

  /** The payloads read so far that are of {@code type} and match {@code filter}. */
  public <P extends Payload> List<P> payloads(Class<P> type, Predicate<P> filter) {
    return received.stream()
        .map(r -> r.event().payload())
        .filter(type::isInstance)
        .map(type::cast)
        .filter(filter)
        .collect(Collectors.toList());
  }

  /**
   * Reads until a payload of {@code type} that matches {@code filter} has arrived, and returns the
   * first one.
   *
   * @throws org.awaitility.core.ConditionTimeoutException when none arrived {@code within}
   */
  public <P extends Payload> P await(Class<P> type, Predicate<P> filter, Duration within) {
    AtomicReference<P> found = new AtomicReference<>();
    Awaitility.await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              poll(Duration.ofMillis(100));
              payloads(type, filter).stream().findFirst().ifPresent(found::set);
              return found.get() != null;
            });
    return found.get();
  }

  /** Every record read so far, tombstones and undecodable ones included. */
  public List<ConsumerRecord<String, byte[]>> raw() {
    return List.copyOf(raw);
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(2));
  }
}
