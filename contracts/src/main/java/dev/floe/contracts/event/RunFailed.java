package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.WireNamed;
import java.time.Instant;

/**
 * A run's attempt failed. Its changes are never dropped: either the attempt is retried, or they are
 * folded into the trigger's next run.
 *
 * @param errorKind whether a retry can help
 * @param message a short description; never contains secrets
 * @param willRetry true when another attempt is scheduled
 * @param nextAttemptAt when the next attempt starts; null unless {@code willRetry}
 */
public record RunFailed(
    @JsonProperty(required = true) String runId,
    @JsonProperty(required = true) String triggerId,
    @JsonProperty(required = true) int attempt,
    @JsonProperty(required = true) ErrorKind errorKind,
    @JsonProperty(required = true) String message,
    boolean willRetry,
    Instant nextAttemptAt,
    @JsonProperty(required = true) Instant finishedAt)
    implements RunEvent {

  /** How a failure is classified. */
  public enum ErrorKind implements WireNamed {
    /** The job or launcher may succeed on retry: timeouts, 5xx, connection errors. */
    TRANSIENT,
    /** Retrying will not help: a 4xx answer, a rejected request, a failed job. */
    PERMANENT,
    /** The run exceeded its timeout. */
    TIMEOUT;

    @Override
    public String toString() {
      return wireName();
    }
  }

  public RunFailed {
    requireNonNull(runId, "runId");
    requireNonNull(triggerId, "triggerId");
    requireNonNull(errorKind, "errorKind");
    requireNonNull(message, "message");
    requireNonNull(finishedAt, "finishedAt");
  }

  @Override
  public String idSeed() {
    return runId + "/" + attempt + "/failed";
  }
}
