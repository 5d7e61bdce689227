package dev.floe.broker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Slow work that a decision core hands to other threads, so that its own thread never waits on a
 * catalog or an endpoint: it would stall every other key of its partition and, past the transaction
 * time-out, get the instance fenced. When the work starts, the thread waits a moment, which is
 * enough for most work; past it, and at every later ask, it only looks whether the work is done,
 * and goes on. The same key asked again gets the same work's result, once. Work of another version
 * of the same key (the same run formed again over other changes) starts only once the running one
 * has ended, so that two never write for one key at once. Work that outlives its limit ends with
 * {@link TimedOut}; a result no one collects (its partition moved to another instance) is forgotten
 * after a while.
 *
 * @param <T> what the work gives
 */
public final class OffThread<T> {
  /** The work ran past its limit: its thread may still be stuck, its result is not awaited. */
  public static final class TimedOut extends RuntimeException {
    public TimedOut(String message) {
      super(message);
    }
  }

  private final Executor workers;
  private final Duration inline;
  private final Duration limit;
  private final Duration forgetAfter;
  private final Clock clock;
  private final Map<String, Work<T>> work = new ConcurrentHashMap<>();

  private record Work<T>(CompletableFuture<T> result, String version, Instant started) {}

  /**
   * @param inline how long the caller waits when the work starts, before it goes on without it
   * @param limit how long the work may run
   * @param forgetAfter how long a result no one collects is kept
   */
  public OffThread(
      Executor workers, Duration inline, Duration limit, Duration forgetAfter, Clock clock) {
    this.workers = workers;
    this.inline = inline;
    this.limit = limit;
    this.forgetAfter = forgetAfter;
    this.clock = clock;
  }

  /**
   * The result of the work named {@code key} at {@code version}, started on the workers if none
   * runs; empty while it runs, or while work of another version of the key still runs, or when the
   * workers take no more work (shutting down). Once returned (or thrown), a result is forgotten.
   *
   * @throws RuntimeException what the work threw, or {@link TimedOut}
   */
  public Optional<T> result(String key, String version, Supplier<T> task) {
    Instant now = clock.instant();
    work.values().removeIf(w -> w.result().isDone() && w.started().plus(forgetAfter).isBefore(now));
    Work<T> current = work.get(key);
    if (current != null && !current.version().equals(version)) {
      if (!current.result().isDone()) {
        return Optional.empty();
      }
      work.remove(key);
      current = null;
    }
    if (current == null) {
      CompletableFuture<T> started;
      try {
        started =
            CompletableFuture.supplyAsync(task, workers)
                .orTimeout(limit.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        return Optional.empty();
      }
      current = new Work<>(started, version, now);
      work.put(key, current);
      try {
        current.result().get(inline.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // not done yet, or done with a failure that is thrown below
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (!current.result().isDone()) {
      return Optional.empty();
    }
    work.remove(key);
    try {
      return Optional.of(current.result().join());
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof TimeoutException) {
        throw new TimedOut(key + " ran past " + limit);
      }
      if (cause instanceof RuntimeException failure) {
        throw failure;
      }
      throw new IllegalStateException(key + " failed", cause);
    }
  }

  /** When the work named {@code key} started; null when none runs. */
  public Instant startedAt(String key) {
    Work<T> w = work.get(key);
    return w == null ? null : w.started();
  }
}
