package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * The envelope every Floe event travels in.
 *
 * @param id deterministic: {@code <type>:<payload id seed>}, so the same fact published twice has
 *     the same id and consumers can de-duplicate on it
 * @param type the payload's stable type name, such as {@code SnapshotCommitted}
 * @param schemaVersion the payload's schema version
 * @param time when the event was produced; not part of its identity
 * @param source the producing service, as a URI such as {@code urn:floe:commit-listener}
 * @param subject the Kafka record key: the table, capture, trigger or backfill the event is about
 * @param payload the body
 */
public record Event(
    String id,
    String type,
    int schemaVersion,
    Instant time,
    String source,
    String subject,
    Payload payload) {

  public Event {
    requireNonNull(id, "id");
    requireNonNull(type, "type");
    requireNonNull(time, "time");
    requireNonNull(source, "source");
    requireNonNull(subject, "subject");
    requireNonNull(payload, "payload");
  }

  /** Wraps a payload, deriving type, version, id and subject from it. */
  public static Event of(Payload payload, String source, Instant time) {
    EventType type = EventType.of(payload);
    return new Event(
        type.typeName() + ":" + payload.idSeed(),
        type.typeName(),
        type.schemaVersion(),
        time,
        source,
        payload.key(),
        payload);
  }

  /** The CloudEvents {@code source} of a Floe service. */
  public static String sourceOf(String service) {
    return "urn:floe:" + service;
  }

  public EventType eventType() {
    return EventType.of(payload);
  }

  /** The topic this event goes to unless configuration renames it. */
  public String defaultTopic() {
    return eventType().family().defaultTopic();
  }
}
