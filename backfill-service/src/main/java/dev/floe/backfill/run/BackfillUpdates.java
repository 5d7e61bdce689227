package dev.floe.backfill.run;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Tells a REST call when the decision core has applied its command to a backfill on this instance,
 * instead of polling the store: the decision core reports each backfill it changes ({@link
 * #changed}, on the stream thread), and a waiter whose condition the new state meets completes.
 *
 * <p>Thread-safe. A waiter that no change satisfies completes {@code false} after its timeout.
 */
public final class BackfillUpdates {
  private record Waiter(Predicate<BackfillState> applied, CompletableFuture<Boolean> done) {}

  private final Map<String, List<Waiter>> waiters = new ConcurrentHashMap<>();

  /**
   * Completes true once a change of backfill {@code id} meets {@code applied}, false after {@code
   * timeout}. The caller checks the current state first: a change before this call is not seen.
   */
  public CompletableFuture<Boolean> when(
      String id, Predicate<BackfillState> applied, Duration timeout) {
    Waiter waiter = new Waiter(applied, new CompletableFuture<>());
    waiters.compute(
        id,
        (k, list) -> {
          List<Waiter> added = list == null ? new CopyOnWriteArrayList<>() : list;
          added.add(waiter);
          return added;
        });
    waiter.done.whenComplete((done, error) -> forget(id, waiter));
    return waiter.done.completeOnTimeout(false, timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Backfill {@code state} changed; called by the decision core after it stored the change. */
  public void changed(BackfillState state) {
    List<Waiter> forId = waiters.get(state.backfillId);
    if (forId == null) {
      return;
    }
    for (Waiter w : forId) {
      if (w.applied.test(state)) {
        w.done.complete(true);
      }
    }
  }

  private void forget(String id, Waiter waiter) {
    waiters.computeIfPresent(
        id,
        (k, list) -> {
          list.remove(waiter);
          return list.isEmpty() ? null : list;
        });
  }
}
