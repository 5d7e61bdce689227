package dev.floe.broker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Slow work that a decision core hands to other threads, so that its own thread never waits on a
 * catalog or an endpoint: it would stall every other key of its partition and, past the transaction
 * time-out, get the instance fenced. The thread waits a moment, which is enough for most work; past
 * it, it goes on and asks again later (at a punctuation), when the result is ready. The same key
 * asked again gets the same work's result, once. Work no one comes back for (its partition moved to
 * another instance) is forgotten after a while.
 *
 * @param <T> what the work gives
 */
public final class OffThread<T> {
  private final Executor workers;
  private final Duration inline;
  private final Duration forgetAfter;
  private final Clock clock;
  private final Map<String, Work<T>> work = new ConcurrentHashMap<>();

  private record Work<T>(CompletableFuture<T> result, Instant started) {}

  /**
   * @param inline how long the caller waits before it goes on without the result
   * @param forgetAfter how long a result no one collects is kept
   */
  public OffThread(Executor workers, Duration inline, Duration forgetAfter, Clock clock) {
    this.workers = workers;
    this.inline = inline;
    this.forgetAfter = forgetAfter;
    this.clock = clock;
  }

  /**
   * The result of the work named {@code key}, started on the workers if it is not running yet;
   * empty while it runs past the inline wait. Once returned (or thrown), a result is forgotten.
   *
   * @throws RuntimeException what the work threw
   */
  public Optional<T> result(String key, Supplier<T> task) {
    Instant now = clock.instant();
    work.values().removeIf(w -> w.started().plus(forgetAfter).isBefore(now));
    Work<T> running =
        work.computeIfAbsent(
            key, k -> new Work<>(CompletableFuture.supplyAsync(task, workers), now));
    try {
      T done = running.result().get(inline.toMillis(), TimeUnit.MILLISECONDS);
      work.remove(key);
      return Optional.of(done);
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (ExecutionException e) {
      work.remove(key);
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw new IllegalStateException(key + " failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** When the work named {@code key} started; null when none runs. */
  public Instant startedAt(String key) {
    Work<T> w = work.get(key);
    return w == null ? null : w.started();
  }
}
