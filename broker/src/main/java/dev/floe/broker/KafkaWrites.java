package dev.floe.broker;

import dev.floe.problem.ProblemException;
import java.time.Duration;
import java.util.List;
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
 * or does not accept the record, the call answers 503 with problem details.
 */
public final class KafkaWrites {
  private KafkaWrites() {}

  /** How a reader of a compacted topic tells that it has applied a record. */
  @FunctionalInterface
  public interface Applied {
    boolean awaitApplied(TopicPartition partition, long offset, Duration timeout);
  }

  /** Answers 503 while the service has no producer yet; {@code state} says what it waits for. */
  public static void requireReady(boolean ready, String state) {
    if (!ready) {
      throw new ProblemException(
          503,
          "unavailable",
          "Kafka is not ready",
          "the service cannot reach Kafka yet: " + state,
          List.of());
    }
  }

  /** Sends {@code record} and waits until the broker has it. */
  public static RecordMetadata send(
      Producer<String, byte[]> producer, ProducerRecord<String, byte[]> record, Duration timeout) {
    try {
      return producer.send(record).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new ProblemException(
          503,
          "unavailable",
          "Kafka did not accept the change",
          String.valueOf(e.getMessage()),
          List.of());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProblemException(503, "unavailable", "Interrupted", "interrupted", List.of());
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
