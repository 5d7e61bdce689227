package dev.floe.broker;

import java.util.Optional;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.jboss.logging.Logger;

/**
 * Dead letters from a Kafka Streams processor: the record as received, with the {@link DeadLetters}
 * headers naming its source topic, partition and offset, forwarded to the processor's dead-letter
 * sink so that it commits with the processor's transaction.
 */
public final class StreamsDeadLetters {
  private static final Logger LOG = Logger.getLogger(StreamsDeadLetters.class);

  private StreamsDeadLetters() {}

  /** Forwards {@code record} to {@code sink} with why {@code service} could not process it. */
  public static void forward(
      ProcessorContext<String, byte[]> context,
      Record<String, byte[]> record,
      String service,
      String reason,
      String cause,
      String sink) {
    Optional<RecordMetadata> from = context.recordMetadata();
    Headers headers =
        DeadLetters.headers(
            service,
            reason,
            cause,
            from.map(RecordMetadata::topic).orElse(null),
            from.map(RecordMetadata::partition).orElse(null),
            from.map(RecordMetadata::offset).orElse(null));
    LOG.warnf("%s dead-lettered a record (%s): %s", service, reason, cause);
    context.forward(
        new Record<>(
            record.key(), DeadLetters.fit(record.value(), headers), record.timestamp(), headers),
        sink);
  }
}
