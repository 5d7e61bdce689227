package dev.floe.broker;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Writes that REST resources make to Kafka: a record the broker must accept before the call
 * answers, and a definition the caller then reads back from this instance. When Kafka is not ready
 * or does not accept the record, they throw {@link KafkaUnavailableException}, which the REST APIs
 * answer 503 with problem details.
 */
public final class KafkaWrites {
  private KafkaWrites() {}

  /** How a reader of a compacted topic tells that it has applied a record. */
  @FunctionalInterface
  public interface Applied {
    boolean awaitApplied(TopicPartition partition, long offset, Duration timeout);
  }

  /** Refuses while the service has no producer yet; {@code state} says what it waits for. */
  public static void requireReady(boolean ready, String state) {
    if (!ready) {
      throw new KafkaUnavailableException(
          "Kafka is not ready", "the service cannot reach Kafka yet: " + state, null);
    }
  }

  /** Sends {@code record} and waits until the broker has it. */
  public static RecordMetadata send(
      Producer<String, byte[]> producer, ProducerRecord<String, byte[]> record, Duration timeout) {
    try {
      return producer.send(record).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new KafkaUnavailableException(
          "Kafka did not accept the change", String.valueOf(e.getMessage()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaUnavailableException("Interrupted", "interrupted", e);
    }
  }

  /**
   * Sends a definition to its compacted topic and waits until {@code reader} has applied it, so
   * that the caller reads its own write from this instance.
   */
  public static void define(
      Producer<String, byte[]> producer,
      Applied reader,
      ProducerRecord<String, byte[]> record,
      Duration timeout) {
    RecordMetadata written = send(producer, record, timeout);
    reader.awaitApplied(
        new TopicPartition(written.topic(), written.partition()), written.offset(), timeout);
  }
}
