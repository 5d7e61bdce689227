package dev.floe.backfill.run;

import dev.floe.contracts.event.BackfillCancelled;
import dev.floe.contracts.event.BackfillChunkStateChanged;
import dev.floe.contracts.event.BackfillCompleted;
import dev.floe.contracts.event.BackfillPaused;
import dev.floe.contracts.event.BackfillPlanned;
import dev.floe.contracts.event.BackfillResumed;
import dev.floe.contracts.event.BackfillRetried;
import dev.floe.contracts.event.BackfillStarted;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.RunCancelled;
import dev.floe.contracts.event.RunEvent;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunStarted;
import dev.floe.contracts.event.RunSucceeded;
import dev.floe.contracts.model.ChunkRuns;
import dev.floe.contracts.model.ChunkState;
import dev.floe.contracts.model.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules of a backfill, free of Kafka: each method takes the state and one input (a plan, an
 * operator's command, a run's outcome, the passing of time), changes the state, and returns what to
 * publish: lifecycle events, each with the next revision, and the runs to request.
 *
 * <p>Chunks start in index order (the plan put them in the requested order), never more than the
 * concurrency limit at once, and only while the backfill runs. Each chunk attempt is requested
 * once: its run id names the chunk and attempt, and a run event naming another attempt is stale.
 *
 * <p>A chunk whose run failed transiently or timed out runs again, like a trigger's run, while the
 * backfill's retry policy allows: it waits pending for its back-off (doubling with each attempt)
 * and then starts with the next attempt. A permanent failure, or a transient one with no attempts
 * left, fails the chunk.
 */
public final class BackfillMachine {
  /** The longest a chunk waits for its next attempt, whatever its back-off and attempt. */
  public static final Duration MAX_BACKOFF = Duration.ofDays(1);

  private final ChunkChecks checks;
  private final Duration chunkTimeout;

  public BackfillMachine(ChunkValidator validator, Duration chunkTimeout) {
    this.checks = new ChunkChecks(validator);
    this.chunkTimeout = chunkTimeout;
  }

  /** A new backfill from its plan: published, started, and its first chunks requested. */
  public BackfillState create(BackfillPlanned planned, Instant now, List<Payload> out) {
    BackfillState s = new BackfillState();
    s.backfillId = planned.backfillId();
    s.spec = planned.spec();
    planned.chunks().forEach(c -> s.chunks.add(new BackfillState.Chunk(c)));
    s.records = planned.records();
    s.dataFiles = planned.dataFiles();
    s.bytes = planned.bytes();
    s.requestedBy = planned.requestedBy();
    s.createdAt = now;
    s.startedAt = now;
    s.status = BackfillStatus.RUNNING;
    out.add(
        new BackfillPlanned(
            s.backfillId,
            ++s.revision,
            s.spec,
            planned.chunks(),
            s.records,
            s.dataFiles,
            s.bytes,
            s.requestedBy));
    out.add(
        new BackfillStarted(
            s.backfillId, ++s.revision, s.chunks.size(), s.spec.concurrency(), now));
    advance(s, now, out);
    return s;
  }

  /** Whether a running backfill's chunks may be held: it is running. */
  public static boolean canPause(BackfillState s) {
    return s.status == BackfillStatus.RUNNING;
  }

  public static boolean canResume(BackfillState s) {
    return s.status == BackfillStatus.PAUSED;
  }

  /** Whether it may be cancelled: it has not ended and is not being cancelled already. */
  public static boolean canCancel(BackfillState s) {
    return !s.status.ended() && s.status != BackfillStatus.CANCELLING;
  }

  /** Whether it may run again: it failed or was cancelled, and has chunks worth running again. */
  public static boolean canRetry(BackfillState s) {
    return (s.status == BackfillStatus.FAILED || s.status == BackfillStatus.CANCELLED)
        && s.chunks.stream().anyMatch(BackfillState.Chunk::retryable);
  }

  /** Stops new chunks from starting; running chunks finish. False when the backfill can't. */
  public boolean pause(BackfillState s, String by, String reason, Instant now, List<Payload> out) {
    if (!canPause(s)) {
      return false;
    }
    s.status = BackfillStatus.PAUSED;
    out.add(new BackfillPaused(s.backfillId, ++s.revision, by, reason, now));
    return true;
  }

  public boolean resume(BackfillState s, String by, String reason, Instant now, List<Payload> out) {
    if (!canResume(s)) {
      return false;
    }
    s.status = BackfillStatus.RUNNING;
    out.add(new BackfillResumed(s.backfillId, ++s.revision, by, reason, now));
    advance(s, now, out);
    return true;
  }

  /** Pending chunks are cancelled; running chunks finish, and the backfill ends when they have. */
  public boolean cancel(BackfillState s, String by, String reason, Instant now, List<Payload> out) {
    if (!canCancel(s)) {
      return false;
    }
    s.status = BackfillStatus.CANCELLING;
    out.add(new BackfillCancelled(s.backfillId, ++s.revision, by, reason, now));
    for (BackfillState.Chunk c : s.chunks) {
      if (c.state == ChunkState.PENDING) {
        move(s, c, ChunkState.CANCELLED, "cancelled by " + (by == null ? "an operator" : by), out);
        c.finishedAt = now;
      }
    }
    advance(s, now, out);
    return true;
  }

  /** Runs the failed, invalid and cancelled chunks of an ended backfill again, and only those. */
  public boolean retry(BackfillState s, String by, Instant now, List<Payload> out) {
    if (!canRetry(s)) {
      return false;
    }
    List<BackfillState.Chunk> again =
        s.chunks.stream().filter(BackfillState.Chunk::retryable).toList();
    s.status = BackfillStatus.RUNNING;
    s.finishedAt = null;
    s.retries++;
    out.add(
        new BackfillRetried(
            s.backfillId,
            ++s.revision,
            again.stream().map(BackfillState.Chunk::id).toList(),
            by,
            now));
    for (BackfillState.Chunk c : again) {
      c.attempt++;
      c.tries = 1;
      c.retryAt = null;
      c.runId = null;
      c.externalRunId = null;
      c.startedAt = null;
      c.finishedAt = null;
      c.validation = null;
      move(s, c, ChunkState.PENDING, null, out);
    }
    advance(s, now, out);
    return true;
  }

  /**
   * A run event of one of this backfill's chunks. Events about another attempt than the chunk's
   * current one, or about a chunk that is no longer running, are stale and change nothing.
   *
   * @return whether the state changed
   */
  public boolean onRun(BackfillState s, RunEvent event, Instant now, List<Payload> out) {
    BackfillState.Chunk c =
        s.chunks.stream()
            .filter(x -> event.runId().equals(x.runId) && x.state == ChunkState.RUNNING)
            .findFirst()
            .orElse(null);
    if (c == null) {
      return false;
    }
    if (event instanceof RunStarted started) {
      c.externalRunId = started.externalRunId();
      return started.externalRunId() != null;
    }
    if (event instanceof RunSucceeded) {
      c.finishedAt = now;
      move(s, c, ChunkState.SUCCEEDED, null, out);
      checks.ask(s, c, out);
    } else if (event instanceof RunFailed failed) {
      if (failed.willRetry()) {
        return false; // the job's own orchestrator retries it: not the attempt's end
      }
      fail(
          s,
          c,
          failed.errorKind().wireName() + ": " + failed.message(),
          failed.errorKind() != RunFailed.ErrorKind.PERMANENT,
          now,
          out);
    } else if (event instanceof RunCancelled cancelled) {
      c.finishedAt = now;
      move(s, c, ChunkState.CANCELLED, "run cancelled: " + cancelled.reason(), out);
    } else {
      return false;
    }
    advance(s, now, out);
    return true;
  }

  /**
   * Fails (or retries) chunks whose run has not ended within the chunk timeout, starts chunks whose
   * retry back-off is over, and applies the checks that have answered.
   */
  public void tick(BackfillState s, Instant now, List<Payload> out) {
    boolean changed = false;
    for (BackfillState.Chunk c : s.chunks) {
      if (c.state == ChunkState.RUNNING
          && c.startedAt != null
          && c.startedAt.plus(chunkTimeout).isBefore(now)) {
        fail(s, c, "timeout: no outcome after " + chunkTimeout, true, now, out);
        changed = true;
      } else if (c.state == ChunkState.PENDING && c.retryAt != null && c.due(now)) {
        changed = true;
      }
    }
    if (changed | checks.applyAnswered(s, out)) {
      advance(s, now, out);
    }
  }

  /**
   * Applies the checks of chunks that have answered since they were asked; the backfill may end.
   */
  public void checked(BackfillState s, Instant now, List<Payload> out) {
    if (checks.applyAnswered(s, out)) {
      advance(s, now, out);
    }
  }

  /**
   * Ends a chunk's attempt that failed: a {@code transient} failure with attempts left makes the
   * chunk pending again until its back-off is over, while the backfill runs or is paused; anything
   * else fails it, so a backfill being cancelled ends once its running chunks have.
   */
  private static void fail(
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
      move(
          s,
          c,
          ChunkState.PENDING,
          reason + "; attempt " + (c.tries + 1) + " of " + retry.maxAttempts() + " after " + wait,
          out);
      c.tries++;
      c.attempt++;
      c.retryAt = now.plus(wait);
      return;
    }
    move(s, c, ChunkState.FAILED, reason, out);
  }

  /** The wait after the {@code tries}-th attempt: the back-off, doubling, at most a day. */
  static Duration backoff(RetryPolicy retry, int tries) {
    Duration wait = retry.backoff().multipliedBy(1L << Math.min(tries - 1, 16));
    return wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait;
  }

  /** Starts chunks while there is room, then ends the backfill when nothing is left to run. */
  private void advance(BackfillState s, Instant now, List<Payload> out) {
    if (s.status == BackfillStatus.RUNNING) {
      long running = s.count(ChunkState.RUNNING);
      for (BackfillState.Chunk c : s.chunks) {
        if (running >= s.spec.concurrency()) {
          break;
        }
        if (c.state == ChunkState.PENDING && c.due(now)) {
          start(s, c, now, out);
          running++;
        }
      }
    }
    boolean open =
        s.chunks.stream()
            .anyMatch(
                c ->
                    c.state == ChunkState.RUNNING || c.state == ChunkState.PENDING || c.validating);
    if (open || s.status.ended()) {
      return;
    }
    boolean bad =
        s.chunks.stream()
            .anyMatch(c -> c.state == ChunkState.FAILED || c.state == ChunkState.INVALID);
    String outcome;
    if (s.status == BackfillStatus.CANCELLING) {
      s.status = BackfillStatus.CANCELLED;
      outcome = "cancelled";
    } else if (bad || s.count(ChunkState.CANCELLED) > 0) {
      s.status = BackfillStatus.FAILED;
      outcome = "failed";
    } else {
      s.status = BackfillStatus.COMPLETED;
      outcome = "succeeded";
    }
    s.finishedAt = now;
    Map<String, Integer> byState = new LinkedHashMap<>();
    for (BackfillState.Chunk c : s.chunks) {
      byState.merge(c.state.wireName(), 1, Integer::sum);
    }
    out.add(
        new BackfillCompleted(
            s.backfillId,
            ++s.revision,
            outcome,
            byState,
            now,
            Duration.between(s.startedAt, now).toMillis()));
  }

  private void start(BackfillState s, BackfillState.Chunk c, Instant now, List<Payload> out) {
    c.runId = ChunkRuns.runId(s.spec.triggerId(), s.backfillId, c.id(), c.attempt);
    c.startedAt = now;
    c.finishedAt = null;
    c.retryAt = null;
    c.error = null;
    move(s, c, ChunkState.RUNNING, null, out);
    out.add(ChunkRequests.request(s, c));
  }

  static void move(
      BackfillState s, BackfillState.Chunk c, ChunkState to, String error, List<Payload> out) {
    ChunkState from = c.state;
    c.state = to;
    c.error = error == null || error.length() <= 500 ? error : error.substring(0, 500) + "…";
    out.add(
        new BackfillChunkStateChanged(
            s.backfillId, ++s.revision, c.id(), to, from, c.runId, c.attempt, error));
  }
}
