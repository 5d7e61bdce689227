package dev.floe.contracts.event;

/**
 * The lifecycle of a backfill, on {@code floe.backfills}, keyed by backfill. Each event carries the
 * backfill's revision after the event: revisions increase by one per event of a backfill, so a
 * consumer can tell a missed or repeated event.
 */
public sealed interface BackfillEvent extends Payload
    permits BackfillPlanned,
        BackfillChunksPlanned,
        BackfillStarted,
        BackfillChunkStateChanged,
        BackfillChunkValidated,
        BackfillPaused,
        BackfillResumed,
        BackfillCancelled,
        BackfillRetried,
        BackfillCompleted {

  String backfillId();

  long revision();

  @Override
  default String key() {
    return backfillId();
  }

  @Override
  default String idSeed() {
    return backfillId() + "/" + revision();
  }
}
