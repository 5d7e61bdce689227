package dev.floe.trigger.decide;

import dev.floe.broker.OffThread;
import dev.floe.contracts.event.RunRequested;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Forms a run's union of states on threads of its own ({@link OffThread}), so that a large union or
 * a slow catalog never holds the decision core's thread. Past the inline wait, {@link
 * Unions.Forming} tells the decision to write the request at a later tick, when the states are
 * ready; a run formed again asks for the same work and gets its result. Requests with no states to
 * form complete on the caller's thread.
 */
public final class BackgroundUnions implements Unions {
  /** Work no decision came back for (its trigger moved to another instance) is forgotten. */
  static final Duration FORGOTTEN_AFTER = Duration.ofMinutes(30);

  private final Unions inner;
  private final OffThread<RunRequested> work;

  /**
   * @param inner forms the states; called on {@code workers}
   * @param inline how long the decision thread waits before it goes on without them
   */
  public BackgroundUnions(Unions inner, Executor workers, Duration inline, Clock clock) {
    this.inner = inner;
    this.work = new OffThread<>(workers, inline, FORGOTTEN_AFTER, clock);
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
    String key =
        request.runId() + "/" + request.attempt() + "/" + CommittedRunStates.digest(changes);
    return work.result(key, () -> inner.complete(request, changes))
        .orElseThrow(
            () ->
                new Forming(
                    "the states of run "
                        + request.runId()
                        + " are being formed since "
                        + work.startedAt(key)));
  }
}
