package dev.floe.contracts.codec;

import dev.floe.contracts.event.Event;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CloudEvents 1.0 attributes of an event as Kafka headers (binary content mode). The record value
 * stays the Floe envelope, so Floe consumers need no header, and CloudEvents-aware tools can route
 * and filter on the headers without parsing the value.
 */
public final class CloudEventHeaders {
  public static final String SPEC_VERSION = "ce_specversion";
  public static final String ID = "ce_id";
  public static final String TYPE = "ce_type";
  public static final String SOURCE = "ce_source";
  public static final String SUBJECT = "ce_subject";
  public static final String TIME = "ce_time";
  public static final String DATA_SCHEMA = "ce_dataschema";
  public static final String CONTENT_TYPE = "content-type";

  /** CloudEvents types are reverse-DNS prefixed; the Floe type name follows the prefix. */
  public static final String TYPE_PREFIX = "dev.floe.";

  private CloudEventHeaders() {}

  /** The headers of one event, in a stable order. */
  public static Map<String, String> of(Event event) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(SPEC_VERSION, "1.0");
    headers.put(ID, event.id());
    headers.put(TYPE, TYPE_PREFIX + event.type());
    headers.put(SOURCE, event.source());
    headers.put(SUBJECT, event.subject());
    headers.put(TIME, DateTimeFormatter.ISO_INSTANT.format(event.time()));
    headers.put(DATA_SCHEMA, event.eventType().schemaId());
    headers.put(CONTENT_TYPE, "application/json");
    return headers;
  }
}
