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
 * wait when the check starts, the chunk stays {@code validating} ({@link ChunkValidator.Pending})
 * and is looked at again shortly. The check reads only what does not change while a chunk is
 * checked: the backfill's spec and validation URL, the chunk's plan, attempt and run id.
 */
public final class BackgroundValidation implements ChunkValidator {
  /** A check no one came back for (its backfill moved to another instance) is forgotten. */
  static final Duration FORGOTTEN_AFTER = Duration.ofMinutes(30);

  private final ChunkValidator inner;
  private final OffThread<Optional<BackfillState.Validation>> work;

  /**
   * @param inline how long the decision thread waits when a check starts, before it goes on
   * @param limit how long a check may run; past it the chunk is invalid, as it could not be checked
   */
  public BackgroundValidation(
      ChunkValidator inner, Executor workers, Duration inline, Duration limit, Clock clock) {
    this.inner = inner;
    this.work = new OffThread<>(workers, inline, limit, FORGOTTEN_AFTER, clock);
  }

  @Override
  public BackfillState.Validation validate(BackfillState backfill, BackfillState.Chunk chunk) {
    if (backfill.spec.validation() == null) {
      return null;
    }
    String key = backfill.backfillId + "/" + chunk.id() + "/" + chunk.attempt;
    return work.result(key, "", () -> Optional.ofNullable(inner.validate(backfill, chunk)))
        .orElseThrow(() -> new Pending("chunk " + key + " is being checked"))
        .orElse(null);
  }
}
