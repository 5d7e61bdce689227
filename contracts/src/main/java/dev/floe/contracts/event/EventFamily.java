package dev.floe.contracts.event;

import dev.floe.contracts.topic.Topics;

/** The event streams and state topics. Each family has one topic and one key rule. */
public enum EventFamily {
  /** Snapshot and table events, keyed by table ({@code catalog:namespace.table}). */
  TABLE(TableEvent.class, Topics.SNAPSHOTS),
  /** Captured change sets, keyed by capture id. */
  CHANGE(ChangeEvent.class, Topics.CHANGES),
  /** Job-run lifecycle, keyed by trigger id. */
  RUN(RunEvent.class, Topics.RUNS),
  /** Backfill lifecycle, keyed by backfill id. */
  BACKFILL(BackfillEvent.class, Topics.BACKFILLS),
  /** Watch definitions, compacted, keyed by table. */
  WATCH(WatchEvent.class, Topics.WATCHES),
  /** The commit-listener's checkpoints, compacted, keyed by table. */
  CHECKPOINT(CheckpointEvent.class, Topics.LISTENER_CHECKPOINTS),
  /** Capture definitions, compacted, keyed by capture id. */
  CAPTURE(CaptureEvent.class, Topics.CAPTURES),
  /** Trigger definitions, compacted, keyed by trigger id. */
  TRIGGER(TriggerEvent.class, Topics.TRIGGERS),
  /** How far each trigger consumed each capture, compacted, keyed by capture and trigger. */
  CONSUMPTION(ConsumptionEvent.class, Topics.CONSUMPTION);

  private final Class<? extends Payload> payloadInterface;
  private final String defaultTopic;

  EventFamily(Class<? extends Payload> payloadInterface, String defaultTopic) {
    this.payloadInterface = payloadInterface;
    this.defaultTopic = defaultTopic;
  }

  /** The topic name used unless configuration renames it. */
  public String defaultTopic() {
    return defaultTopic;
  }

  static EventFamily of(Class<? extends Payload> payloadClass) {
    for (EventFamily family : values()) {
      if (family.payloadInterface.isAssignableFrom(payloadClass)) {
        return family;
      }
    }
    throw new IllegalArgumentException(payloadClass + " belongs to no family");
  }
}
