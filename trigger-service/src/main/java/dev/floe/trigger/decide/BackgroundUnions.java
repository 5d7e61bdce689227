package dev.floe.trigger.decide;

import dev.floe.contracts.event.RunRequested;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Forms a run's union of states on threads of its own, so that a large union or a slow catalog
 * never holds the decision core's thread (which would stall the partition's other triggers and,
 * past the transaction time-out, get it fenced). The decision thread waits a moment, which is
 * enough for most unions; past it, {@link Unions.Forming} tells it to write the request at a later
 * tick, when the states are ready. A run formed again asks for the same work and gets its result.
 * Requests with no states to form complete on the caller's thread.
 */
public final class BackgroundUnions implements Unions {
  /** Work no decision came back for (its trigger moved to another instance) is forgotten. */
  static final Duration FORGOTTEN_AFTER = Duration.ofMinutes(30);

  private final Unions inner;
  private final Executor workers;
  private final Duration inline;
  private final Clock clock;
  private final Map<String, Work> work = new ConcurrentHashMap<>();

  private record Work(CompletableFuture<RunRequested> result, Instant started) {}

  /**
   * @param inner forms the states; called on {@code workers}
   * @param inline how long the decision thread waits before it goes on without them
   */
  public BackgroundUnions(Unions inner, Executor workers, Duration inline, Clock clock) {
    this.inner = inner;
    this.workers = workers;
    this.inline = inline;
    this.clock = clock;
  }

  @Override
  public boolean formsStates(RunRequested request, List<PendingChange> changes) {
    return inner.formsStates(request, changes);
  }

  @Override
  public RunRequested complete(RunRequested request, List<PendingChange> changes) {
    if (!inner.formsStates(request, changes)) {
      return inner.complete(request, changes);
    }
    Instant now = clock.instant();
    work.values().removeIf(w -> w.started().plus(FORGOTTEN_AFTER).isBefore(now));
    String key =
        request.runId() + "/" + request.attempt() + "/" + CommittedRunStates.digest(changes);
    Work forming =
        work.computeIfAbsent(
            key,
            k ->
                new Work(
                    CompletableFuture.supplyAsync(() -> inner.complete(request, changes), workers),
                    now));
    try {
      RunRequested done = forming.result().get(inline.toMillis(), TimeUnit.MILLISECONDS);
      work.remove(key);
      return done;
    } catch (TimeoutException e) {
      throw new Forming(
          "the states of run " + request.runId() + " are being formed since " + forming.started());
    } catch (ExecutionException e) {
      work.remove(key);
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure; // Refused or Unavailable, as the caller handles them
      }
      throw new Unavailable("forming the states of run " + request.runId() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Forming("interrupted while the states of run " + request.runId() + " form");
    }
  }

  /** Unions being formed or waiting to be collected. */
  int inProgress() {
    return work.size();
  }
}
