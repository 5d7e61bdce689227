package dev.floe.trigger.decide;

import dev.floe.contracts.event.RunRequested;
import java.util.List;

/**
 * Gives every input of a run one readable ICDC state: an input of a single change set reads that
 * change's state; one of several reads a state holding exactly their union, committed once under
 * the run's own tag.
 */
public interface Unions {
  /** Unions are not built: inputs of several change sets carry only their change ids. */
  Unions NONE = (request, changes) -> request;

  /**
   * The request with its inputs' ICDC states filled in.
   *
   * @param changes the run's change sets, in order
   * @throws Unavailable when the catalog cannot be reached: the run is formed again later
   * @throws Refused when an input's states cannot be formed, whatever the retries: the run fails
   */
  RunRequested complete(RunRequested request, List<PendingChange> changes);

  /**
   * Whether completing {@code request} has states to form, and so may call the catalog; one that
   * has none completes at once.
   */
  default boolean formsStates(RunRequested request, List<PendingChange> changes) {
    return true;
  }

  /**
   * A state that cannot be formed for good: a snapshot it reads has expired, or Iceberg refuses its
   * commit (a validation error, which no retry can win). The run fails, visibly.
   */
  final class Refused extends RuntimeException {
    private final String captureId;

    public Refused(String captureId, String message, Throwable cause) {
      super(message, cause);
      this.captureId = captureId;
    }

    /** The capture of the input whose states were refused. */
    public String captureId() {
      return captureId;
    }
  }

  /**
   * The states are being formed on another thread and are not ready yet: the run is requested once
   * they are.
   */
  final class Forming extends RuntimeException {
    public Forming(String message) {
      super(message, null, false, false);
    }
  }

  /** The catalog could not be reached; nothing was decided. */
  final class Unavailable extends RuntimeException {
    public Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
