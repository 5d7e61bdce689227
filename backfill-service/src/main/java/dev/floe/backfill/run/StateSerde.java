package dev.floe.backfill.run;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.contracts.codec.EventCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A backfill's state in its store and changelog, as JSON; unknown fields are ignored. */
final class StateSerde implements Serde<BackfillState> {
  private static final ObjectMapper JSON =
      EventCodec.mapper()
          .copy()
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  @Override
  public Serializer<BackfillState> serializer() {
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
  public Deserializer<BackfillState> deserializer() {
    return (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      try {
        return JSON.readValue(bytes, BackfillState.class);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }
}
