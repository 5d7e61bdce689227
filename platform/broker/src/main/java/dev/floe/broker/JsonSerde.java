package dev.floe.broker;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.contracts.codec.EventCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A service's own state as JSON, in a Kafka Streams store and its changelog: Floe's mapper (ISO
 * times, wire names), ignoring fields it does not know, so that a newer instance's state reads in
 * an older one. Not for events: those go through {@link EventCodec}'s envelope.
 */
public final class JsonSerde<T> implements Serde<T> {
  private static final ObjectMapper JSON =
      EventCodec.mapper()
          .copy()
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final Class<T> type;

  public JsonSerde(Class<T> type) {
    this.type = type;
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, value) -> {
      if (value == null) {
        return null;
      }
      try {
        return JSON.writeValueAsBytes(value);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      try {
        return JSON.readValue(bytes, type);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }
}
