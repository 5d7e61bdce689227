package dev.floe.backfill.run;

import dev.floe.contracts.event.Payload;
import dev.floe.contracts.model.ChunkState;
import dev.floe.contracts.model.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** A chunk's failed attempt: its next one after a back-off, while the retry policy allows. */
final class ChunkRetries {
  private ChunkRetries() {}

  /**
   * Ends a chunk's attempt that failed: a {@code transient} failure with attempts left makes the
   * chunk pending again until its back-off is over, while the backfill runs or is paused; anything
   * else fails it, so a backfill being cancelled ends once its running chunks have.
   */
  static void fail(
      BackfillState s,
      BackfillState.Chunk c,
      String reason,
      boolean transientFailure,
      Instant now,
      List<Payload> out) {
    c.finishedAt = now;
    RetryPolicy retry = s.spec.retry();
    boolean open = s.status == BackfillStatus.RUNNING || s.status == BackfillStatus.PAUSED;
    if (open && transientFailure && retry != null && c.tries < retry.maxAttempts()) {
      Duration wait = backoff(retry, c.tries);
      // The event names the attempt that failed; the chunk then waits for the next one.
      BackfillMachine.move(
          s,
          c,
          ChunkState.PENDING,
          reason + "; attempt " + (c.tries + 1) + " of " + retry.maxAttempts() + " after " + wait,
          out);
      c.tries++;
      c.attempt++;
      c.retryAt = now.plus(wait);
      s.sync(c);
      return;
    }
    BackfillMachine.move(s, c, ChunkState.FAILED, reason, out);
  }

  /** The wait after the {@code tries}-th attempt: the back-off, doubling, at most a day. */
  static Duration backoff(RetryPolicy retry, int tries) {
    Duration wait = retry.backoff().multipliedBy(1L << Math.min(tries - 1, 16));
    return wait.compareTo(BackfillMachine.MAX_BACKOFF) > 0 ? BackfillMachine.MAX_BACKOFF : wait;
  }
}
