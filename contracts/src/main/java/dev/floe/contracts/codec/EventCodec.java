package dev.floe.contracts.codec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.floe.contracts.codec.EventDecodingException.Reason;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.EventType;
import dev.floe.contracts.event.Payload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.stream.Collectors;

/**
 * Encodes events to JSON and decodes them back. Decoding is tolerant: unknown fields are ignored,
 * so producers can add optional fields within a schema version. Null fields are omitted on encode.
 *
 * <p>Stateless and thread-safe.
 */
public final class EventCodec {

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          // Absent optional fields are omitted, but a null inside a map (a null partition value) is
          // data.
          .defaultPropertyInclusion(
              JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.ALWAYS))
          .build();

  private EventCodec() {}

  /** A copy of the mapper events are written with, for code that embeds events in other JSON. */
  /**
   * The longest event Floe reads, 512 KiB: Floe's own events are a few KiB (a change set's ranges
   * and file counts, never its file list), and a record this long still fits a dead-letter copy
   * under Kafka's default 1 MiB request and message limits.
   */
  public static final int MAX_EVENT_BYTES = 512 * 1024;

  public static ObjectMapper mapper() {
    return MAPPER.copy();
  }

  public static byte[] encode(Event event) {
    try {
      return MAPPER.writeValueAsBytes(event);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode " + event.id(), e);
    }
  }

  public static String encodeToString(Event event) {
    return new String(encode(event), StandardCharsets.UTF_8);
  }

  public static Event decode(String json) {
    return decode(json.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Decodes one event.
   *
   * @throws EventDecodingException when the bytes are not a valid event of a known type and
   *     version; its reason tells which
   */
  public static Event decode(byte[] json) {
    if (json.length > MAX_EVENT_BYTES) {
      throw new EventDecodingException(
          Reason.OVERSIZED,
          "an event of "
              + json.length
              + " bytes is over the limit of "
              + MAX_EVENT_BYTES
              + " bytes");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new EventDecodingException(Reason.MALFORMED_JSON, "not valid JSON: " + firstLine(e), e);
    }
    if (root == null || !root.isObject()) {
      throw new EventDecodingException(Reason.MALFORMED_JSON, "an event must be a JSON object");
    }
    String typeName = text(root, "type");
    EventType type =
        EventType.byName(typeName)
            .orElseThrow(
                () ->
                    new EventDecodingException(
                        Reason.UNKNOWN_TYPE, "unknown event type '" + typeName + "'"));
    int version = root.path("schemaVersion").asInt(-1);
    if (version != type.schemaVersion()) {
      throw new EventDecodingException(
          Reason.UNSUPPORTED_VERSION,
          typeName
              + " schemaVersion "
              + root.path("schemaVersion")
              + " is not supported; known: "
              + type.schemaVersion());
    }
    JsonNode payloadNode = root.get("payload");
    if (payloadNode == null || !payloadNode.isObject()) {
      throw new EventDecodingException(
          Reason.INVALID_ENVELOPE, "field 'payload' must be an object");
    }
    Payload payload;
    try {
      payload = MAPPER.treeToValue(payloadNode, type.payloadClass());
    } catch (JsonMappingException e) {
      throw new EventDecodingException(
          Reason.INVALID_PAYLOAD, typeName + " payload" + path(e) + ": " + rootCause(e), e);
    } catch (JsonProcessingException e) {
      throw new EventDecodingException(Reason.INVALID_PAYLOAD, typeName + ": " + firstLine(e), e);
    }
    try {
      return new Event(
          text(root, "id"),
          typeName,
          version,
          Instant.parse(text(root, "time")),
          text(root, "source"),
          text(root, "subject"),
          payload);
    } catch (DateTimeParseException e) {
      throw new EventDecodingException(
          Reason.INVALID_ENVELOPE, "field 'time' is not an ISO-8601 instant", e);
    }
  }

  private static String text(JsonNode root, String field) {
    JsonNode node = root.get(field);
    if (node == null || !node.isTextual()) {
      throw new EventDecodingException(
          Reason.INVALID_ENVELOPE, "field '" + field + "' is missing or not a string");
    }
    return node.asText();
  }

  private static String path(JsonMappingException e) {
    String path =
        e.getPath().stream()
            .map(
                ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
            .collect(Collectors.joining("."));
    return path.isEmpty() ? "" : " field '" + path + "'";
  }

  private static String rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return firstLine(t);
  }

  private static String firstLine(Throwable t) {
    String message =
        t instanceof JsonProcessingException j ? j.getOriginalMessage() : t.getMessage();
    if (message == null) {
      return t.getClass().getSimpleName();
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
