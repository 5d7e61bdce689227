package dev.floe.trigger.decide;

import dev.floe.broker.OffThread;
import dev.floe.contracts.event.RunRequested;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Forms a run's union of states on threads of its own ({@link OffThread}), so that a large union or
 * a slow catalog never holds the decision core's thread. Past the inline wait when it starts,
 * {@link Unions.Forming} tells the decision to write the request at a later tick, when the states
 * are ready; a run formed again asks for the same work and gets its result. Requests with no states
 * to form complete on the caller's thread.
 */
public final class BackgroundUnions implements Unions {
  /** Work no decision came back for (its trigger moved to another instance) is forgotten. */
  static final Duration FORGOTTEN_AFTER = Duration.ofMinutes(30);

  /**
   * A union that takes longer is given up as unavailable: formed again at a later tick, and refused
   * once its run has been unavailable for {@link DecisionProcessor#UNAVAILABLE_LIMIT}.
   */
  static final Duration LIMIT = Duration.ofMinutes(5);

  private final Unions inner;
  private final OffThread<RunRequested> work;

  /**
   * @param inner forms the states; called on {@code workers}
   * @param inline how long the decision thread waits when a union starts, before it goes on
   */
  public BackgroundUnions(Unions inner, Executor workers, Duration inline, Clock clock) {
    this.inner = inner;
    this.work = new OffThread<>(workers, inline, LIMIT, FORGOTTEN_AFTER, clock);
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
    // One union per run attempt at a time: the run formed again over other changes (a decision
    // that was not stored) waits for the first to end, so that two never write the run's tags.
    String key = request.runId() + "/" + request.attempt();
    Optional<RunRequested> done;
    try {
      done =
          work.result(
              key, CommittedRunStates.digest(changes), () -> inner.complete(request, changes));
    } catch (OffThread.TimedOut e) {
      throw new Unavailable(e.getMessage(), e);
    }
    return done.orElseThrow(
        () ->
            new Forming(
                "the states of run "
                    + request.runId()
                    + " are being formed since "
                    + work.startedAt(key)));
  }
}
