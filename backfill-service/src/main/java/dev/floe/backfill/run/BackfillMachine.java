package dev.floe.backfill.run;

import dev.floe.contracts.event.BackfillCancelled;
import dev.floe.contracts.event.BackfillChunkStateChanged;
import dev.floe.contracts.event.BackfillChunksPlanned;
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
import dev.floe.contracts.model.ChunkPlan;
import dev.floe.contracts.model.ChunkRuns;
import dev.floe.contracts.model.ChunkState;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PrimitiveIterator;

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

  /** The letters of chunks a retry runs again: failed, invalid, cancelled. */
  private static final String RETRYABLE = "fic";

  /** How many of the chunks a retry runs again its event lists, so that it stays a small event. */
  static final int RETRIED_LISTED = 1_000;

  /** How long a backfill may wait for the rest of its plan's pages before it is cancelled. */
  static final Duration PLAN_TIMEOUT = Duration.ofMinutes(10);

  private final ChunkChecks checks;
  private final Duration chunkTimeout;

  public BackfillMachine(ChunkValidator validator, Duration chunkTimeout) {
    this.checks = new ChunkChecks(validator);
    this.chunkTimeout = chunkTimeout;
  }

  /**
   * A new backfill from its plan: published, and once every chunk is in, started with its first
   * chunks requested. A plan in pages waits {@link BackfillStatus#PLANNING} for {@link #addChunks}.
   */
  public BackfillState create(BackfillPlanned planned, Instant now, List<Payload> out) {
    BackfillState s = new BackfillState();
    s.backfillId = planned.backfillId();
    s.spec = planned.spec();
    s.chunkCount = planned.totalChunks();
    s.codes = new char[s.chunkCount];
    java.util.Arrays.fill(s.codes, 'p');
    s.records = planned.records();
    s.dataFiles = planned.dataFiles();
    s.bytes = planned.bytes();
    s.requestedBy = planned.requestedBy();
    s.createdAt = now;
    s.status = BackfillStatus.PLANNING;
    out.add(
        new BackfillPlanned(
            s.backfillId,
            ++s.revision,
            s.spec,
            planned.chunks(),
            s.records,
            s.dataFiles,
            s.bytes,
            s.requestedBy,
            s.chunkCount));
    take(s, planned.chunks(), now, out);
    return s;
  }

  /**
   * The next page of a plan: published, and the backfill started once it holds every chunk.
   *
   * @return false when the backfill is not being planned or the page is not the next one: it is
   *     ignored
   */
  public boolean addChunks(
      BackfillState s, BackfillChunksPlanned page, Instant now, List<Payload> out) {
    if (s.status != BackfillStatus.PLANNING
        || !inTurn(page.chunks(), s.planned)
        || s.planned + page.chunks().size() > s.chunkCount) {
      return false;
    }
    out.add(new BackfillChunksPlanned(s.backfillId, ++s.revision, page.chunks()));
    take(s, page.chunks(), now, out);
    return true;
  }

  /** Whether {@code chunks} are the next ones of a plan that holds {@code planned}: in turn. */
  public static boolean inTurn(List<ChunkPlan> chunks, int planned) {
    for (int i = 0; i < chunks.size(); i++) {
      if (chunks.get(i).index() != planned + i) {
        return false;
      }
    }
    return !chunks.isEmpty() || planned == 0;
  }

  private void take(BackfillState s, List<ChunkPlan> chunks, Instant now, List<Payload> out) {
    for (ChunkPlan c : chunks) {
      s.add(new BackfillState.Chunk(c));
      s.planned++;
    }
    if (s.planned < s.chunkCount) {
      return;
    }
    s.startedAt = now;
    s.status = BackfillStatus.RUNNING;
    out.add(
        new BackfillStarted(s.backfillId, ++s.revision, s.chunkCount, s.spec.concurrency(), now));
    advance(s, now, out);
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
        && s.planned == s.chunkCount
        && s.any(RETRYABLE);
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
    for (int i : s.indexes(BackfillState.letters(ChunkState.PENDING)).toArray()) {
      BackfillState.Chunk c = s.chunk(i);
      c.finishedAt = now;
      move(s, c, ChunkState.CANCELLED, cancelled(by, reason), out);
    }
    advance(s, now, out);
    return true;
  }

  /** Why a chunk was cancelled: by whom, or, when no one is named, why. */
  private static String cancelled(String by, String reason) {
    if (by != null) {
      return "cancelled by " + by;
    }
    return reason == null ? "cancelled by an operator" : "cancelled: " + reason;
  }

  /** Runs the failed, invalid and cancelled chunks of an ended backfill again, and only those. */
  public boolean retry(BackfillState s, String by, Instant now, List<Payload> out) {
    if (!canRetry(s)) {
      return false;
    }
    List<BackfillState.Chunk> again = s.indexes(RETRYABLE).mapToObj(s::chunk).toList();
    s.status = BackfillStatus.RUNNING;
    s.finishedAt = null;
    s.retries++;
    out.add(
        new BackfillRetried(
            s.backfillId,
            ++s.revision,
            again.stream().limit(RETRIED_LISTED).map(BackfillState.Chunk::id).toList(),
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
    Integer index = s.running.get(event.runId());
    if (index == null) {
      return false;
    }
    BackfillState.Chunk c = s.chunk(index);
    if (!event.runId().equals(c.runId) || c.state != ChunkState.RUNNING) {
      return false;
    }
    if (event instanceof RunStarted started) {
      c.externalRunId = started.externalRunId();
      s.touched(c);
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
      ChunkRetries.fail(
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
    if (s.status == BackfillStatus.PLANNING) {
      if (s.createdAt.plus(PLAN_TIMEOUT).isBefore(now)) {
        // Its pages never all came: a lost page, or pages of another plan under the same id.
        cancel(s, null, "the plan's pages did not all arrive within " + PLAN_TIMEOUT, now, out);
      }
      return;
    }
    boolean changed = false;
    for (int i : List.copyOf(s.running.values())) {
      BackfillState.Chunk c = s.chunk(i);
      if (c.startedAt != null && c.startedAt.plus(chunkTimeout).isBefore(now)) {
        ChunkRetries.fail(s, c, "timeout: no outcome after " + chunkTimeout, true, now, out);
        changed = true;
      }
    }
    changed |= s.waiting.values().stream().anyMatch(at -> !at.isAfter(now));
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

  /** Starts chunks while there is room, then ends the backfill when nothing is left to run. */
  private void advance(BackfillState s, Instant now, List<Payload> out) {
    if (s.status == BackfillStatus.RUNNING && s.running.size() < s.spec.concurrency()) {
      int room = s.spec.concurrency() - s.running.size();
      PrimitiveIterator.OfInt pending = s.indexes("pb").iterator();
      while (room > 0 && pending.hasNext()) {
        int i = pending.nextInt();
        if (s.due(i, now)) {
          start(s, s.chunk(i), now, out);
          room--;
        }
      }
    }
    if (s.any("pbrw") || s.status.ended()) {
      return;
    }
    boolean bad = s.any("fi") || s.planned < s.chunkCount;
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
    for (ChunkState state : ChunkState.values()) {
      int n = (int) s.count(state);
      if (n > 0) {
        byState.put(state.wireName(), n);
      }
    }
    out.add(
        new BackfillCompleted(
            s.backfillId,
            ++s.revision,
            outcome,
            byState,
            now,
            Duration.between(s.startedAt != null ? s.startedAt : s.createdAt, now).toMillis()));
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
    s.moved(c, from);
    out.add(
        new BackfillChunkStateChanged(
            s.backfillId, ++s.revision, c.id(), to, from, c.runId, c.attempt, error));
  }
}
