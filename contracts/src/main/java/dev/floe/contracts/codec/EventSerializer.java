package dev.floe.contracts.codec;

import dev.floe.contracts.event.Event;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka serializer for {@link Event}: the JSON envelope as value, CloudEvents as headers. */
public class EventSerializer implements Serializer<Event> {

  @Override
  public byte[] serialize(String topic, Event event) {
    return event == null ? null : EventCodec.encode(event);
  }

  @Override
  public byte[] serialize(String topic, Headers headers, Event event) {
    if (event != null && headers != null) {
      CloudEventHeaders.of(event)
          .forEach(
              (name, value) -> {
                headers.remove(name);
                headers.add(name, value.getBytes(StandardCharsets.UTF_8));
              });
    }
    return serialize(topic, event);
  }
}
