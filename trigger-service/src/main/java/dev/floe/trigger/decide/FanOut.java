package dev.floe.trigger.decide;

import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.ChangeLost;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.model.TableRef;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/** Sends each change, captured or lost, to every trigger it feeds, keyed by trigger id. */
final class FanOut implements Processor<String, byte[], String, byte[]> {
  private ProcessorContext<String, byte[]> context;
  private KeyValueStore<String, TriggerDefined> definitions;

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    this.definitions = context.getStateStore(TriggerTopology.DEFINITIONS);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    if (record.value() == null) {
      return;
    }
    String captureId;
    TableRef table;
    try {
      Payload payload = EventCodec.decode(record.value()).payload();
      if (payload instanceof ChangeCaptured c) {
        captureId = c.captureId();
        table = c.table();
      } else if (payload instanceof ChangeLost l) {
        captureId = l.captureId();
        table = l.table();
      } else {
        return;
      }
    } catch (EventDecodingException e) {
      DeadLetterForwarder.forward(context, record, e.reason().code(), e.getMessage());
      return;
    }
    try (KeyValueIterator<String, TriggerDefined> all = definitions.all()) {
      while (all.hasNext()) {
        TriggerDefined trigger = all.next().value;
        if (trigger != null
            && trigger.inputs().stream().anyMatch(i -> i.matches(captureId, table))) {
          Record<String, byte[]> keyed = record.withKey(trigger.triggerId());
          keyed.headers().remove(TriggerTopology.COMMAND); // a change is never a command
          context.forward(keyed, TriggerTopology.TO_TRIGGERS);
        }
      }
    }
  }
}
