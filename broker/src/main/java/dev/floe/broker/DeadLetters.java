package dev.floe.broker;

import dev.floe.contracts.topic.DeadLetterHeaders;
import dev.floe.contracts.topic.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Dead-letter records: the original key and value, untouched, so that nothing is lost and the
 * record can be replayed once its cause is fixed, with headers that say why and where from.
 */
public final class DeadLetters {
  private DeadLetters() {}

  /**
   * @param reason a stable, machine-readable code such as {@code malformed-hint}
   * @param cause what is wrong, naming the offending field where there is one
   */
  public static ProducerRecord<String, byte[]> of(
      ConsumerRecord<String, byte[]> record, String service, String reason, String cause) {
    ProducerRecord<String, byte[]> dead =
        new ProducerRecord<>(Topics.deadLetter(service), null, record.key(), record.value());
    dead.headers()
        .add(header(DeadLetterHeaders.REASON, reason))
        .add(header(DeadLetterHeaders.CAUSE, String.valueOf(cause)))
        .add(header(DeadLetterHeaders.TOPIC, record.topic()))
        .add(header(DeadLetterHeaders.PARTITION, Integer.toString(record.partition())))
        .add(header(DeadLetterHeaders.OFFSET, Long.toString(record.offset())))
        .add(header(DeadLetterHeaders.SERVICE, service));
    return dead;
  }

  private static RecordHeader header(String name, String value) {
    return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
  }
}
