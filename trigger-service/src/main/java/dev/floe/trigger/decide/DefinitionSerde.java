package dev.floe.trigger.decide;

import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.TriggerDefined;
import java.time.Instant;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Trigger definitions in the decision core's global store, as Floe events. Only {@code
 * TriggerDefined}s are put there: the loader checks each record of {@code floe.triggers} first.
 */
final class DefinitionSerde implements Serde<TriggerDefined> {
  @Override
  public Serializer<TriggerDefined> serializer() {
    return (topic, t) ->
        t == null
            ? null
            : EventCodec.encode(Event.of(t, Event.sourceOf("trigger-service"), Instant.now()));
  }

  @Override
  public Deserializer<TriggerDefined> deserializer() {
    return (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      try {
        return EventCodec.decode(bytes).payload() instanceof TriggerDefined t ? t : null;
      } catch (RuntimeException malformed) {
        return null;
      }
    };
  }
}
