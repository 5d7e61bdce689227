package dev.floe.trigger.decide;

import dev.floe.broker.DeadLetters;
import java.util.Optional;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.jboss.logging.Logger;

/**
 * Forwards a record the trigger topology cannot take to its dead-letter sink, with the reason, the
 * cause and the record's source offset in Floe's dead-letter headers, and logs it.
 */
final class DeadLetterForwarder {
  // The decision core logs under one category, the topology's.
  private static final Logger LOG = Logger.getLogger(TriggerTopology.class);

  private DeadLetterForwarder() {}

  static void forward(
      ProcessorContext<String, byte[]> context,
      Record<String, byte[]> record,
      String reason,
      String cause) {
    Optional<RecordMetadata> from = context.recordMetadata();
    Headers headers =
        DeadLetters.headers(
            "trigger-service",
            reason,
            cause,
            from.map(RecordMetadata::topic).orElse(null),
            from.map(RecordMetadata::partition).orElse(null),
            from.map(RecordMetadata::offset).orElse(null));
    LOG.warnf("dead-lettered a record (%s): %s", reason, cause);
    context.forward(
        new Record<>(
            record.key(), DeadLetters.fit(record.value(), headers), record.timestamp(), headers),
        TriggerTopology.DEAD_LETTERS);
  }
}
