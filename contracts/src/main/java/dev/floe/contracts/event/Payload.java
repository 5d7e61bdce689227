package dev.floe.contracts.event;

/**
 * The body of a Floe event. Every payload belongs to exactly one family, and the family decides the
 * Kafka topic and the record key, so that per-table, per-capture, per-trigger and per-backfill
 * order holds on any number of partitions.
 *
 * <p>Implementations are immutable records and safe to share between threads.
 */
public sealed interface Payload
    permits TableEvent,
        ChangeEvent,
        RunEvent,
        BackfillEvent,
        WatchEvent,
        CheckpointEvent,
        CaptureEvent,
        TriggerEvent,
        ConsumptionEvent {

  /** The Kafka record key, also the CloudEvents {@code subject}. */
  String key();

  /**
   * The part of the event id that this payload decides. It is a pure function of the payload's
   * identifying fields, so that the same fact published twice carries the same id and consumers can
   * de-duplicate.
   */
  String idSeed();
}
