package dev.floe.broker;

import dev.floe.contracts.topic.DeadLetterHeaders;
import dev.floe.contracts.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Dead-letter records: the original key and value, untouched, so that nothing is lost and the
 * record can be replayed once its cause is fixed, with headers that say why and where from.
 *
 * <p>Every dead-letter record made here is counted as {@code floe_dlq_records_total{reason}} in
 * Micrometer's global registry, to which Quarkus adds each service's Prometheus registry: one
 * metric, with the same tags, for the dead-letter topics of all services, whatever path (a plain
 * consumer or a Kafka Streams processor) sends the record.
 */
public final class DeadLetters {
  private DeadLetters() {}

  /**
   * @param reason a stable, machine-readable code such as {@code malformed-hint}
   * @param cause what is wrong, naming the offending field where there is one
   */
  public static ProducerRecord<String, byte[]> of(
      ConsumerRecord<String, byte[]> record, String service, String reason, String cause) {
    return new ProducerRecord<>(
        Topics.deadLetter(service),
        null,
        record.key(),
        record.value(),
        headers(service, reason, cause, record.topic(), record.partition(), record.offset()));
  }

  /**
   * The headers of a dead-letter record, for callers that forward it themselves (a Kafka Streams
   * processor); where it came from may be unknown (null).
   */
  public static Headers headers(
      String service, String reason, String cause, String topic, Integer partition, Long offset) {
    Counter.builder("floe.dlq.records")
        .description("Records sent to the service's dead-letter topic, by reason")
        .tag("reason", reason)
        .register(Metrics.globalRegistry)
        .increment();
    Headers headers = new RecordHeaders();
    headers.add(header(DeadLetterHeaders.REASON, reason));
    headers.add(header(DeadLetterHeaders.CAUSE, String.valueOf(cause)));
    if (topic != null) {
      headers.add(header(DeadLetterHeaders.TOPIC, topic));
      headers.add(header(DeadLetterHeaders.PARTITION, String.valueOf(partition)));
      headers.add(header(DeadLetterHeaders.OFFSET, String.valueOf(offset)));
    }
    headers.add(header(DeadLetterHeaders.SERVICE, service));
    return headers;
  }

  private static RecordHeader header(String name, String value) {
    return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
  }
}
