package dev.floe.backfill.validate;

import dev.floe.backfill.run.BackfillState;
import dev.floe.backfill.run.ChunkValidator;
import dev.floe.broker.OffThread;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Checks chunks on threads of their own ({@link OffThread}): a webhook that takes its time-outs, or
 * a record count that scans a large target, never holds the decision core's thread. Past the inline
 * wait the chunk stays {@code validating} ({@link ChunkValidator.Pending}) and is asked about again
 * at the next tick. The check reads only what a backfill never changes once planned: its spec, the
 * chunk's plan and the validation URL.
 */
public final class BackgroundValidation implements ChunkValidator {
  /** A check no tick came back for (its backfill moved to another instance) is forgotten. */
  static final Duration FORGOTTEN_AFTER = Duration.ofMinutes(30);

  private final ChunkValidator inner;
  private final OffThread<Optional<BackfillState.Validation>> work;

  public BackgroundValidation(
      ChunkValidator inner, Executor workers, Duration inline, Clock clock) {
    this.inner = inner;
    this.work = new OffThread<>(workers, inline, FORGOTTEN_AFTER, clock);
  }

  @Override
  public BackfillState.Validation validate(BackfillState backfill, BackfillState.Chunk chunk) {
    if (backfill.spec.validation() == null) {
      return null;
    }
    String key = backfill.backfillId + "/" + chunk.id() + "/" + chunk.attempt;
    return work.result(key, () -> Optional.ofNullable(inner.validate(backfill, chunk)))
        .orElseThrow(() -> new Pending("chunk " + key + " is being checked"))
        .orElse(null);
  }
}
