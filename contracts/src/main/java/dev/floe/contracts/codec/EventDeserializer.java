package dev.floe.contracts.codec;

import dev.floe.contracts.event.Event;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer for {@link Event}. A record that is not a valid event fails with a {@link
 * SerializationException} whose cause is the {@link EventDecodingException}; services that must not
 * stop on bad input consume bytes and call {@link EventCodec#decode(byte[])} themselves, so they
 * can dead-letter the record with its reason.
 */
public class EventDeserializer implements Deserializer<Event> {

  @Override
  public Event deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    try {
      return EventCodec.decode(data);
    } catch (EventDecodingException e) {
      throw new SerializationException(
          "cannot decode event from " + topic + " (" + e.reason().code() + "): " + e.getMessage(),
          e);
    }
  }
}
