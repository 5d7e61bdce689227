package dev.floe.trigger.decide;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.contracts.codec.EventCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A trigger's state in its store and changelog, as JSON. */
final class StateSerde implements Serde<TriggerState> {
  private static final ObjectMapper JSON = EventCodec.mapper();

  @Override
  public Serializer<TriggerState> serializer() {
    return (topic, state) -> {
      if (state == null) {
        return null;
      }
      try {
        return JSON.writeValueAsBytes(state);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  @Override
  public Deserializer<TriggerState> deserializer() {
    return (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      try {
        return JSON.readValue(bytes, TriggerState.class);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }
}
