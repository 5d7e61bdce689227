package dev.floe.contracts.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import dev.floe.contracts.ContractResources;
import dev.floe.contracts.codec.EventCodec;
import java.net.URI;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The published JSON Schemas and the Java records describe the same documents: samples validate,
 * the Java side emits no undeclared property, and every declared property is exercised.
 */
@Tag("unit")
class EventSchemasTest {

  @ParameterizedTest
  @EnumSource(EventType.class)
  void storedSampleValidatesAgainstItsPublishedSchema(EventType type) {
    JsonNode sample = ContractResources.sample(type, type.schemaVersion());

    assertThat(ContractResources.validate(ContractResources.publishedSchema(type), sample))
        .isEmpty();
  }

  @ParameterizedTest
  @EnumSource(EventType.class)
  void encodedEventUsesOnlyPropertiesItsSchemaDeclares(EventType type) {
    Event event = EventCodec.decode(ContractResources.bytes(ContractResources.sample(type, 1)));
    JsonNode encoded = EventCodec.mapper().valueToTree(event);

    assertThat(ContractResources.validate(ContractResources.strictSchema(type), encoded)).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(EventType.class)
  void sampleExercisesEveryPropertyItsSchemaDeclares(EventType type) {
    Set<String> declared = new TreeSet<>();
    collectDeclared(URI.create(type.schemaId()), new HashSet<>(), declared);
    Set<String> used = new HashSet<>();
    collectUsed(ContractResources.sample(type, type.schemaVersion()), used);

    assertThat(used).as("properties used by the %s sample", type.typeName()).containsAll(declared);
  }

  @ParameterizedTest
  @EnumSource(EventType.class)
  void sampleWithoutARequiredPayloadFieldIsInvalid(EventType type) {
    JsonNode sample = ContractResources.sample(type, type.schemaVersion());
    JsonNode schema = ContractResources.resource(type.schemaResource()).orElseThrow();
    JsonNode required = schema.at("/properties/payload/required");

    assertThat(required.size()).isPositive();
    for (JsonNode field : required) {
      ObjectNode broken = sample.deepCopy();
      ((ObjectNode) broken.get("payload")).remove(field.asText());

      List<Error> errors =
          ContractResources.validate(ContractResources.publishedSchema(type), broken);

      assertThat(errors).as("errors without %s", field.asText()).isNotEmpty();
      assertThat(errors.toString()).contains(field.asText());
    }
  }

  @ParameterizedTest
  @EnumSource(EventType.class)
  void sampleWithTheWrongTypeNameIsInvalid(EventType type) {
    ObjectNode broken = ContractResources.sample(type, type.schemaVersion()).deepCopy();
    broken.put("type", type == EventType.RUN_STARTED ? "RunFailed" : "RunStarted");

    assertThat(ContractResources.validate(ContractResources.publishedSchema(type), broken))
        .isNotEmpty();
  }

  private static void collectDeclared(URI location, Set<URI> visited, Set<String> declared) {
    if (!visited.add(location)) {
      return;
    }
    String document = location.toString().replaceFirst("#.*$", "");
    String path = "floe/schemas/" + document.substring(EventType.SCHEMA_BASE_URI.length());
    JsonNode root = ContractResources.resource(path).orElseThrow(() -> new AssertionError(path));
    JsonNode node = location.getFragment() == null ? root : root.at(location.getFragment());
    walk(node, URI.create(document), visited, declared);
  }

  private static void walk(JsonNode node, URI base, Set<URI> visited, Set<String> declared) {
    if (node.isArray()) {
      node.forEach(child -> walk(child, base, visited, declared));
      return;
    }
    if (!node.isObject()) {
      return;
    }
    if (node.has("$ref")) {
      collectDeclared(base.resolve(node.get("$ref").asText()), visited, declared);
    }
    JsonNode properties = node.get("properties");
    if (properties != null) {
      properties.fieldNames().forEachRemaining(declared::add);
      properties.forEach(child -> walk(child, base, visited, declared));
    }
    for (String keyword : List.of("items", "additionalProperties")) {
      if (node.has(keyword)) {
        walk(node.get(keyword), base, visited, declared);
      }
    }
  }

  private static void collectUsed(JsonNode node, Set<String> used) {
    if (node.isObject()) {
      Iterator<String> names = node.fieldNames();
      names.forEachRemaining(used::add);
    }
    node.forEach(child -> collectUsed(child, used));
  }
}
