package dev.floe.contracts.event;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The registry of event types: each type's stable wire name, its current schema version and its
 * payload class. Wire names are never reused or renamed; a schema version is bumped only for an
 * incompatible change, and optional fields are added within a version.
 */
public enum EventType {
  SNAPSHOT_COMMITTED("SnapshotCommitted", 1, SnapshotCommitted.class),
  TABLE_ROLLED_BACK("TableRolledBack", 1, TableRolledBack.class),
  TABLE_LINEAGE_DIVERGED("TableLineageDiverged", 1, TableLineageDiverged.class),
  TABLE_DROPPED("TableDropped", 1, TableDropped.class),
  TABLE_RECREATED("TableRecreated", 1, TableRecreated.class),
  SNAPSHOT_HISTORY_GAP("SnapshotHistoryGap", 1, SnapshotHistoryGap.class),
  CHANGE_CAPTURED("ChangeCaptured", 1, ChangeCaptured.class),
  CHANGE_LOST("ChangeLost", 1, ChangeLost.class),
  RUN_REQUESTED("RunRequested", 1, RunRequested.class),
  RUN_STARTED("RunStarted", 1, RunStarted.class),
  RUN_SUCCEEDED("RunSucceeded", 1, RunSucceeded.class),
  RUN_FAILED("RunFailed", 1, RunFailed.class),
  RUN_CANCELLED("RunCancelled", 1, RunCancelled.class),
  BACKFILL_PLANNED("BackfillPlanned", 1, BackfillPlanned.class),
  BACKFILL_CHUNKS_PLANNED("BackfillChunksPlanned", 1, BackfillChunksPlanned.class),
  BACKFILL_STARTED("BackfillStarted", 1, BackfillStarted.class),
  BACKFILL_CHUNK_STATE_CHANGED("BackfillChunkStateChanged", 1, BackfillChunkStateChanged.class),
  BACKFILL_CHUNK_VALIDATED("BackfillChunkValidated", 1, BackfillChunkValidated.class),
  BACKFILL_PAUSED("BackfillPaused", 1, BackfillPaused.class),
  BACKFILL_RESUMED("BackfillResumed", 1, BackfillResumed.class),
  BACKFILL_CANCELLED("BackfillCancelled", 1, BackfillCancelled.class),
  BACKFILL_RETRIED("BackfillRetried", 1, BackfillRetried.class),
  BACKFILL_COMPLETED("BackfillCompleted", 1, BackfillCompleted.class),
  WATCH_DEFINED("WatchDefined", 1, WatchDefined.class),
  LISTENER_CHECKPOINT("ListenerCheckpoint", 1, ListenerCheckpoint.class),
  CAPTURE_DEFINED("CaptureDefined", 1, CaptureDefined.class),
  TRIGGER_DEFINED("TriggerDefined", 1, TriggerDefined.class),
  CAPTURE_CONSUMED("CaptureConsumed", 1, CaptureConsumed.class);

  /** Where the published JSON Schemas live, both in this jar and as their {@code $id}. */
  public static final String SCHEMA_BASE_URI = "https://floe.dev/schemas/";

  private static final Map<String, EventType> BY_NAME =
      Arrays.stream(values()).collect(Collectors.toMap(EventType::typeName, Function.identity()));
  private static final Map<Class<?>, EventType> BY_CLASS =
      Arrays.stream(values()).collect(Collectors.toMap(t -> t.payloadClass, Function.identity()));

  private final String typeName;
  private final int schemaVersion;
  private final Class<? extends Payload> payloadClass;
  private final EventFamily family;

  EventType(String typeName, int schemaVersion, Class<? extends Payload> payloadClass) {
    this.typeName = typeName;
    this.schemaVersion = schemaVersion;
    this.payloadClass = payloadClass;
    this.family = EventFamily.of(payloadClass);
  }

  public String typeName() {
    return typeName;
  }

  public int schemaVersion() {
    return schemaVersion;
  }

  public Class<? extends Payload> payloadClass() {
    return payloadClass;
  }

  public EventFamily family() {
    return family;
  }

  /** The classpath resource of this type's JSON Schema at its current version. */
  public String schemaResource() {
    return "floe/schemas/" + typeName + "/v" + schemaVersion + ".schema.json";
  }

  /** The {@code $id} of this type's JSON Schema at its current version. */
  public String schemaId() {
    return SCHEMA_BASE_URI + typeName + "/v" + schemaVersion + ".schema.json";
  }

  /** The classpath resource of the stored sample of this type at {@code version}. */
  public String sampleResource(int version) {
    return "floe/samples/" + typeName + "/v" + version + ".json";
  }

  public static Optional<EventType> byName(String typeName) {
    return Optional.ofNullable(BY_NAME.get(typeName));
  }

  public static EventType of(Payload payload) {
    return BY_CLASS.get(payload.getClass());
  }
}
