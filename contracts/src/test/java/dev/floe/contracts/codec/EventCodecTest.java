package dev.floe.contracts.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floe.contracts.ContractResources;
import dev.floe.contracts.codec.EventDecodingException.Reason;
import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.EventType;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.event.TableDropped;
import dev.floe.contracts.model.RowTransactionTopic;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class EventCodecTest {
  private static final TableRef ORDERS = new TableRef("lake", java.util.List.of("demo"), "orders");
  private static final Instant NOW = Instant.parse("2026-11-26T08:00:00Z");

  private static ObjectNode sample(EventType type) {
    return (ObjectNode) ContractResources.sample(type, type.schemaVersion()).deepCopy();
  }

  private static EventDecodingException decodeFailure(String json) {
    try {
      EventCodec.decode(json);
    } catch (EventDecodingException e) {
      return e;
    }
    throw new AssertionError("decoded: " + json);
  }

  @Test
  void shouldOmitNullFieldsWhenEncoding() {
    Event event = Event.of(new TableDropped(ORDERS, "u-1", null, NOW), "urn:floe:test", NOW);

    JsonNode json = EventCodec.mapper().valueToTree(event);

    assertThat(json.get("payload").has("lastSnapshotId")).isFalse();
    assertThat(EventCodec.decode(EventCodec.encode(event))).isEqualTo(event);
  }

  @Test
  void aCaptureDefinedBeforeTheRowStreamOptionsReadsTheirDefaults() {
    ObjectNode event = sample(EventType.CAPTURE_DEFINED);
    ObjectNode payload = (ObjectNode) event.get("payload");
    payload.remove("rowStreamTombstones");
    payload.remove("rowStreamTransactionTopic");

    CaptureDefined decoded =
        (CaptureDefined)
            EventCodec.decode(event.toString().getBytes(StandardCharsets.UTF_8)).payload();

    assertThat(decoded.rowStreamTombstones()).isTrue();
    assertThat(decoded.rowStreamTransactionTopic()).isEqualTo(RowTransactionTopic.TABLE);
  }

  @Test
  void shouldKeyTableEventsByCatalogAndQualifiedName() {
    Event event = Event.of(new TableDropped(ORDERS, "u-1", 7L, NOW), "urn:floe:test", NOW);

    assertThat(event.subject()).isEqualTo("lake:demo.orders");
    assertThat(event.defaultTopic()).isEqualTo(Topics.SNAPSHOTS);
    assertThat(event.id()).isEqualTo("TableDropped:u-1/dropped");
  }

  @Test
  void shouldRejectSomethingThatIsNotJson() {
    assertThat(decodeFailure("{not json").reason()).isEqualTo(Reason.MALFORMED_JSON);
    assertThat(decodeFailure("[1,2]").reason()).isEqualTo(Reason.MALFORMED_JSON);
  }

  @Test
  void shouldRejectAnUnknownTypeByName() {
    ObjectNode event = sample(EventType.TABLE_DROPPED);
    event.put("type", "TableTeleported");

    EventDecodingException failure = decodeFailure(event.toString());

    assertThat(failure.reason()).isEqualTo(Reason.UNKNOWN_TYPE);
    assertThat(failure.getMessage()).contains("TableTeleported");
  }

  @Test
  void shouldRejectAnEventOverTheSizeLimitBeforeReadingIt() {
    ObjectNode event = sample(EventType.SNAPSHOT_COMMITTED);
    ((ObjectNode) event.get("payload")).put("padding", "x".repeat(EventCodec.MAX_EVENT_BYTES));

    EventDecodingException failure = decodeFailure(event.toString());

    assertThat(failure.reason()).isEqualTo(Reason.OVERSIZED);
    assertThat(failure.getMessage()).contains("over the limit of " + EventCodec.MAX_EVENT_BYTES);
  }

  @Test
  void shouldRejectAVersionItDoesNotKnow() {
    ObjectNode event = sample(EventType.SNAPSHOT_COMMITTED);
    event.put("schemaVersion", 2);

    assertThat(decodeFailure(event.toString()).reason()).isEqualTo(Reason.UNSUPPORTED_VERSION);
  }

  @Test
  void shouldNameTheMissingRequiredPayloadField() {
    ObjectNode event = sample(EventType.SNAPSHOT_COMMITTED);
    ((ObjectNode) event.get("payload")).remove("snapshotId");

    EventDecodingException failure = decodeFailure(event.toString());

    assertThat(failure.reason()).isEqualTo(Reason.INVALID_PAYLOAD);
    assertThat(failure.getMessage()).contains("snapshotId");
  }

  @Test
  void shouldNameTheNestedFieldOfTheWrongType() {
    ObjectNode event = sample(EventType.CHANGE_CAPTURED);
    ((ObjectNode) event.at("/payload/stats")).put("addedRecords", "many");

    EventDecodingException failure = decodeFailure(event.toString());

    assertThat(failure.reason()).isEqualTo(Reason.INVALID_PAYLOAD);
    assertThat(failure.getMessage()).contains("stats.addedRecords");
  }

  @Test
  void shouldRejectAMissingEnvelopeField() {
    ObjectNode event = sample(EventType.TABLE_DROPPED);
    event.remove("source");

    EventDecodingException failure = decodeFailure(event.toString());

    assertThat(failure.reason()).isEqualTo(Reason.INVALID_ENVELOPE);
    assertThat(failure.getMessage()).contains("source");
  }

  @Test
  void shouldRejectAnUnknownEnumValueNamingTheField() {
    ObjectNode event = sample(EventType.CHANGE_CAPTURED);
    ((ObjectNode) event.get("payload")).put("kind", "teleport");

    EventDecodingException failure = decodeFailure(event.toString());

    assertThat(failure.reason()).isEqualTo(Reason.INVALID_PAYLOAD);
    assertThat(failure.getMessage()).contains("kind");
  }

  @Test
  void serializerShouldAddCloudEventsHeaders() {
    Event event = EventCodec.decode(ContractResources.bytes(sample(EventType.SNAPSHOT_COMMITTED)));
    RecordHeaders headers = new RecordHeaders();

    byte[] value = new EventSerializer().serialize(Topics.SNAPSHOTS, headers, event);

    assertThat(header(headers, CloudEventHeaders.SPEC_VERSION)).isEqualTo("1.0");
    assertThat(header(headers, CloudEventHeaders.ID)).isEqualTo(event.id());
    assertThat(header(headers, CloudEventHeaders.TYPE)).isEqualTo("dev.floe.SnapshotCommitted");
    assertThat(header(headers, CloudEventHeaders.SUBJECT)).isEqualTo("lake:demo.orders");
    assertThat(header(headers, CloudEventHeaders.DATA_SCHEMA))
        .isEqualTo("https://floe.dev/schemas/SnapshotCommitted/v1.schema.json");
    assertThat(new EventDeserializer().deserialize(Topics.SNAPSHOTS, value)).isEqualTo(event);
  }

  @Test
  void deserializerShouldWrapTheDecodingReason() {
    assertThatThrownBy(
            () ->
                new EventDeserializer()
                    .deserialize(Topics.SNAPSHOTS, "{}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("invalid-envelope")
        .hasCauseInstanceOf(EventDecodingException.class);
  }

  @Test
  void snapshotSummaryShouldBeImmutable() {
    SnapshotCommitted payload =
        (SnapshotCommitted)
            EventCodec.decode(ContractResources.bytes(sample(EventType.SNAPSHOT_COMMITTED)))
                .payload();

    assertThatThrownBy(() -> payload.summary().put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(payload.summary()).containsEntry("added-records", "1500");
    assertThat(Map.copyOf(payload.summary())).hasSize(6);
  }

  private static String header(RecordHeaders headers, String name) {
    return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
