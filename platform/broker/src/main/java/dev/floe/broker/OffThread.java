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
 * has ended, so that two never write for one key at once. Work that runs past its limit (counted
 * from when a worker takes it up) is reported {@link TimedOut}, and keeps its key until it ends; a
 * result no one collects (its partition moved to another instance) is forgotten after a while.
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

  /** One piece of work: its result, and when it began running and ended (null until then). */
  private static final class Work<T> {
    final CompletableFuture<T> result = new CompletableFuture<>();
    final String version;
    volatile Instant began;
    volatile Instant ended;

    Work(String version) {
      this.version = version;
    }
  }

  /**
   * @param inline how long the caller waits when the work starts, before it goes on without it
   * @param limit how long the work may run, from when a worker takes it up
   * @param forgetAfter how long a result no one collects is kept after the work ended
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
   * Work past its limit is reported {@link TimedOut} at each ask, and keeps its key until it ends,
   * so that no second one runs beside it.
   *
   * @throws RuntimeException what the work threw, or {@link TimedOut}
   */
  public Optional<T> result(String key, String version, Supplier<T> task) {
    Instant now = clock.instant();
    work.values().removeIf(w -> w.ended != null && w.ended.plus(forgetAfter).isBefore(now));
    Work<T> current = work.get(key);
    if (current != null && !current.version.equals(version) && current.ended != null) {
      work.remove(key, current);
      current = null;
    }
    if (current != null && !current.version.equals(version)) {
      return Optional.empty(); // the older version ends first
    }
    if (current == null) {
      Work<T> started = new Work<>(version);
      try {
        workers.execute(() -> run(started, task));
      } catch (RejectedExecutionException e) {
        return Optional.empty();
      }
      work.put(key, started);
      current = started;
      try {
        current.result.get(inline.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // not done yet, or done with a failure that is thrown below
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (!current.result.isDone()) {
      Instant began = current.began;
      if (began != null && began.plus(limit).isBefore(clock.instant())) {
        throw new TimedOut(key + " has run since " + began + ", past its limit of " + limit);
      }
      return Optional.empty();
    }
    work.remove(key, current);
    try {
      return Optional.of(current.result.join());
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw new IllegalStateException(key + " failed", e.getCause());
    }
  }

  private void run(Work<T> w, Supplier<T> task) {
    w.began = clock.instant();
    try {
      w.result.complete(task.get());
    } catch (RuntimeException | Error e) {
      w.result.completeExceptionally(e);
    } finally {
      w.ended = clock.instant();
    }
  }

  /** When the work named {@code key} started; null when none runs. */
  public Instant startedAt(String key) {
    Work<T> w = work.get(key);
    return w == null ? null : w.began;
  }
}
