package dev.floe.trigger.decide;

import dev.floe.broker.StreamsDeadLetters;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Forwards a record the trigger topology cannot take to its dead-letter sink, with the reason, the
 * cause and the record's source offset in Floe's dead-letter headers ({@link StreamsDeadLetters}
 * logs it).
 */
final class DeadLetterForwarder {
  private DeadLetterForwarder() {}

  static void forward(
      ProcessorContext<String, byte[]> context,
      Record<String, byte[]> record,
      String reason,
      String cause) {
    StreamsDeadLetters.forward(
        context, record, "trigger-service", reason, cause, TriggerTopology.DEAD_LETTERS);
  }
}
