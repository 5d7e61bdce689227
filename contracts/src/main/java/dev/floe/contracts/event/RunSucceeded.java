package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * A run's attempt finished successfully; the trigger's input watermarks advance past its inputs.
 */
public record RunSucceeded(
    @JsonProperty(required = true) String runId,
    @JsonProperty(required = true) String triggerId,
    @JsonProperty(required = true) int attempt,
    String externalRunId,
    @JsonProperty(required = true) Instant finishedAt,
    @JsonProperty(required = true) long durationMs)
    implements RunEvent {

  public RunSucceeded {
    requireNonNull(runId, "runId");
    requireNonNull(triggerId, "triggerId");
    requireNonNull(finishedAt, "finishedAt");
  }

  @Override
  public String idSeed() {
    return runId + "/succeeded";
  }
}
