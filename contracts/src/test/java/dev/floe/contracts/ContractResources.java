package dev.floe.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.floe.contracts.event.EventType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/** Loads the schemas and samples shipped in the contracts jar, as a non-Java consumer would. */
public final class ContractResources {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ContractResources() {}

  public static Optional<JsonNode> resource(String path) {
    try (InputStream in = ContractResources.class.getClassLoader().getResourceAsStream(path)) {
      return in == null ? Optional.empty() : Optional.of(JSON.readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonNode sample(EventType type, int version) {
    return resource(type.sampleResource(version))
        .orElseThrow(() -> new AssertionError("no sample " + type.sampleResource(version)));
  }

  public static JsonNode parse(byte[] json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static byte[] bytes(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Schemas exactly as published: open to unknown properties, as tolerant readers need. */
  public static Schema publishedSchema(EventType type) {
    return registry(false).getSchema(SchemaLocation.of(type.schemaId()));
  }

  /**
   * The same schemas with {@code unevaluatedProperties: false} on every object that declares
   * properties: an instance valid here uses no property the schema does not declare.
   */
  public static Schema strictSchema(EventType type) {
    return registry(true).getSchema(SchemaLocation.of(type.schemaId()));
  }

  public static List<Error> validate(Schema schema, JsonNode instance) {
    return schema.validate(instance);
  }

  private static SchemaRegistry registry(boolean strict) {
    return SchemaRegistry.withDefaultDialect(
        SpecificationVersion.DRAFT_2020_12,
        builder ->
            builder.schemas(
                iri -> {
                  if (!iri.startsWith(EventType.SCHEMA_BASE_URI)) {
                    return null;
                  }
                  String path = "floe/schemas/" + iri.substring(EventType.SCHEMA_BASE_URI.length());
                  return resource(path)
                      .map(node -> strict ? closeObjects(node.deepCopy()) : node)
                      .map(JsonNode::toString)
                      .orElse(null);
                }));
  }

  private static JsonNode closeObjects(JsonNode node) {
    if (node instanceof ObjectNode object) {
      if (object.has("properties")) {
        object.put("unevaluatedProperties", false);
      }
      object.forEach(ContractResources::closeObjects);
    } else if (node.isArray()) {
      node.forEach(ContractResources::closeObjects);
    }
    return node;
  }
}
