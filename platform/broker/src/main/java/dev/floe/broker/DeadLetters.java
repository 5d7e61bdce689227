package dev.floe.broker;

import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.topic.DeadLetterHeaders;
import dev.floe.contracts.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
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
  /** The longest value a dead-letter record copies whole: 768 KiB. */
  public static final int MAX_VALUE_BYTES = 768 * 1024;

  /** The longest cause kept in a header. */
  static final int MAX_CAUSE_CHARS = 2_000;

  private DeadLetters() {}

  /**
   * @param reason a stable, machine-readable code such as {@code malformed-hint}
   * @param cause what is wrong, naming the offending field where there is one
   */
  public static ProducerRecord<String, byte[]> of(
      ConsumerRecord<String, byte[]> record, String service, String reason, String cause) {
    Headers headers =
        headers(service, reason, cause, record.topic(), record.partition(), record.offset());
    return new ProducerRecord<>(
        Topics.deadLetter(service), null, record.key(), fit(record.value(), headers), headers);
  }

  /**
   * The value as a dead-letter record can carry it: whole up to {@link #MAX_VALUE_BYTES}, else its
   * first bytes, with {@link DeadLetterHeaders#TRUNCATED_FROM} added to {@code headers}. A record
   * the broker took may still be too long to copy with headers under the producer's 1 MiB request
   * limit, and a dead letter that cannot be sent would stop the service at that record for good.
   */
  public static byte[] fit(byte[] value, Headers headers) {
    if (value == null || value.length <= MAX_VALUE_BYTES) {
      return value;
    }
    headers.add(header(DeadLetterHeaders.TRUNCATED_FROM, Integer.toString(value.length)));
    return Arrays.copyOf(value, MAX_VALUE_BYTES);
  }

  /**
   * The headers of a dead-letter record, for callers that forward it themselves (a Kafka Streams
   * processor); where it came from may be unknown (null).
   */
  public static Headers headers(
      String service, String reason, String cause, String topic, Integer partition, Long offset) {
    counter(reason).increment();
    Headers headers = new RecordHeaders();
    headers.add(header(DeadLetterHeaders.REASON, reason));
    String why = String.valueOf(cause);
    headers.add(
        header(
            DeadLetterHeaders.CAUSE,
            why.length() <= MAX_CAUSE_CHARS ? why : why.substring(0, MAX_CAUSE_CHARS) + "…"));
    if (topic != null) {
      headers.add(header(DeadLetterHeaders.TOPIC, topic));
      headers.add(header(DeadLetterHeaders.PARTITION, String.valueOf(partition)));
      headers.add(header(DeadLetterHeaders.OFFSET, String.valueOf(offset)));
    }
    headers.add(header(DeadLetterHeaders.SERVICE, service));
    return headers;
  }

  /**
   * Registers {@code floe_dlq_records_total} at zero for every reason the decoder gives and for
   * {@code reasons}, the service's own: a dead-letter alert or panel has a series to read from the
   * start, not only after the first dead letter of each reason.
   */
  public static void declare(Collection<String> reasons) {
    for (EventDecodingException.Reason reason : EventDecodingException.Reason.values()) {
      counter(reason.code());
    }
    reasons.forEach(DeadLetters::counter);
  }

  private static Counter counter(String reason) {
    return Counter.builder("floe.dlq.records")
        .description("Records sent to the service's dead-letter topic, by reason")
        .tag("reason", reason)
        .register(Metrics.globalRegistry);
  }

  private static RecordHeader header(String name, String value) {
    return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
  }
}
