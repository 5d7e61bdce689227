package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * A launcher started an attempt of a run.
 *
 * @param attempt 1 for the first attempt, increasing with each retry
 * @param launcher the launcher type: {@code webhook}, {@code maestro}, {@code airflow} or {@code
 *     kafka}
 * @param externalRunId the run's id in the external system, when it returns one
 */
public record RunStarted(
    @JsonProperty(required = true) String runId,
    @JsonProperty(required = true) String triggerId,
    @JsonProperty(required = true) int attempt,
    @JsonProperty(required = true) String launcher,
    String externalRunId,
    @JsonProperty(required = true) Instant startedAt)
    implements RunEvent {

  public RunStarted {
    requireNonNull(runId, "runId");
    requireNonNull(triggerId, "triggerId");
    requireNonNull(launcher, "launcher");
    requireNonNull(startedAt, "startedAt");
  }

  @Override
  public String idSeed() {
    return runId + "/" + attempt + "/started";
  }
}
