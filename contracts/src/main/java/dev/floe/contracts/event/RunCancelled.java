package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * A run was cancelled before it succeeded. Its changes are folded into the trigger's next run.
 *
 * @param cancelledBy the authenticated principal, or {@code floe} for a cancellation by policy
 */
public record RunCancelled(
    @JsonProperty(required = true) String runId,
    @JsonProperty(required = true) String triggerId,
    @JsonProperty(required = true) String reason,
    String cancelledBy,
    @JsonProperty(required = true) Instant cancelledAt)
    implements RunEvent {

  public RunCancelled {
    requireNonNull(runId, "runId");
    requireNonNull(triggerId, "triggerId");
    requireNonNull(reason, "reason");
    requireNonNull(cancelledAt, "cancelledAt");
  }

  @Override
  public String idSeed() {
    return runId + "/cancelled";
  }
}
