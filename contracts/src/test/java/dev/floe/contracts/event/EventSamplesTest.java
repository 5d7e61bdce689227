package dev.floe.contracts.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floe.contracts.ContractResources;
import dev.floe.contracts.codec.EventCodec;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every stored sample decodes, re-encodes to itself, and tolerates fields it does not know. */
@Tag("unit")
class EventSamplesTest {

  @Test
  void everyEventTypeHasASampleForEachVersionUpToTheCurrentOne() {
    for (EventType type : EventType.values()) {
      IntStream.rangeClosed(1, type.schemaVersion())
          .forEach(
              version ->
                  assertThat(ContractResources.resource(type.sampleResource(version)))
                      .as("sample of %s v%d", type.typeName(), version)
                      .isPresent());
    }
  }

  @ParameterizedTest
  @EnumSource(EventType.class)
  void shouldRoundTripTheStoredSample(EventType type) {
    JsonNode sample = ContractResources.sample(type, type.schemaVersion());

    Event event = EventCodec.decode(ContractResources.bytes(sample));
    JsonNode reEncoded = ContractResources.parse(EventCodec.encode(event));

    assertThat(event.payload()).isInstanceOf(type.payloadClass());
    assertThat(reEncoded).isEqualTo(sample);
  }

  @ParameterizedTest
  @EnumSource(EventType.class)
  void shouldDeriveIdAndSubjectOfTheSampleFromItsPayload(EventType type) {
    Event stored = EventCodec.decode(ContractResources.bytes(ContractResources.sample(type, 1)));

    Event rebuilt = Event.of(stored.payload(), stored.source(), stored.time());

    assertThat(rebuilt.id()).isEqualTo(stored.id());
    assertThat(rebuilt.subject()).isEqualTo(stored.subject());
    assertThat(rebuilt).isEqualTo(stored);
  }

  @ParameterizedTest
  @EnumSource(EventType.class)
  void shouldDecodeEveryStoredVersionOfTheSample(EventType type) {
    for (int version = 1; version <= type.schemaVersion(); version++) {
      Event event =
          EventCodec.decode(ContractResources.bytes(ContractResources.sample(type, version)));
      assertThat(event.type()).isEqualTo(type.typeName());
    }
  }

  @ParameterizedTest
  @EnumSource(EventType.class)
  void shouldIgnoreUnknownFieldsAtEveryLevel(EventType type) {
    JsonNode sample = ContractResources.sample(type, type.schemaVersion());
    JsonNode extended = addUnknownFields(sample.deepCopy());

    Event plain = EventCodec.decode(ContractResources.bytes(sample));
    Event tolerant = EventCodec.decode(ContractResources.bytes(extended));

    assertThat(extended.toString()).contains("addedByANewerProducer");
    assertThat(tolerant).isEqualTo(plain);
  }

  /** Maps: their keys are data, not fields, so nothing is added to them, only to their values. */
  private static final Set<String> MAPS =
      Set.of("summary", "values", "chunkStates", "branchHeads", "headers");

  /** Adds a field no version knows to every object of the event. */
  private static JsonNode addUnknownFields(JsonNode node) {
    if (node instanceof ObjectNode object) {
      object
          .fields()
          .forEachRemaining(
              field -> {
                if (MAPS.contains(field.getKey())) {
                  field.getValue().forEach(EventSamplesTest::addUnknownFields);
                } else {
                  addUnknownFields(field.getValue());
                }
              });
      object.putObject("addedByANewerProducer").put("nested", true).putArray("list").add(1);
    } else if (node instanceof ArrayNode array) {
      array.forEach(EventSamplesTest::addUnknownFields);
    }
    return node;
  }
}
