package dev.floe.trigger.decide;

import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.TriggerDefined;
import io.micrometer.core.instrument.Metrics;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Keeps the global store in step with {@code floe.triggers}, at start-up (Kafka Streams replays the
 * topic through this processor) and after. A tombstone deletes a trigger; a record that does not
 * decode as a {@code TriggerDefined} (malformed, an unknown version, another type) is skipped,
 * logged and counted, and the trigger keeps its last good definition: a poison record must not
 * delete a trigger and drop the changes it was owed.
 */
final class DefinitionsLoader implements Processor<String, byte[], Void, Void> {
  // The decision core logs under one category, the topology's.
  private static final Logger LOG = Logger.getLogger(TriggerTopology.class);

  private ProcessorContext<Void, Void> context;
  private KeyValueStore<String, TriggerDefined> store;

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    this.context = context;
    store = context.getStateStore(TriggerTopology.DEFINITIONS);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    if (record.key() == null) {
      skip(record, "no key");
      return;
    }
    if (record.value() == null) {
      store.delete(record.key());
      return;
    }
    Payload payload;
    try {
      payload = EventCodec.decode(record.value()).payload();
    } catch (EventDecodingException e) {
      skip(record, e.reason().code() + ": " + e.getMessage());
      return;
    }
    if (payload instanceof TriggerDefined defined && defined.triggerId().equals(record.key())) {
      store.put(record.key(), defined);
    } else {
      skip(record, "not a TriggerDefined of trigger " + record.key());
    }
  }

  private void skip(Record<String, byte[]> record, String why) {
    String where =
        context
            .recordMetadata()
            .map(m -> m.topic() + "-" + m.partition() + "@" + m.offset())
            .orElse("floe.triggers");
    LOG.warnf(
        "trigger definition %s at %s skipped, the last good one stays: %s",
        record.key(), where, why);
    Metrics.counter("floe.trigger.invalid.definitions").increment();
  }
}
