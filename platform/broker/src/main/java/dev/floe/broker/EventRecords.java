package dev.floe.broker;

import dev.floe.contracts.codec.CloudEventHeaders;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.Event;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/** Kafka records of Floe events: keyed by the event's subject, with CloudEvents headers. */
public final class EventRecords {
  private EventRecords() {}

  public static ProducerRecord<String, byte[]> of(String topic, Event event) {
    List<Header> headers = new ArrayList<>();
    CloudEventHeaders.of(event)
        .forEach((k, v) -> headers.add(new RecordHeader(k, v.getBytes(StandardCharsets.UTF_8))));
    return new ProducerRecord<>(topic, null, event.subject(), EventCodec.encode(event), headers);
  }
}
