package dev.floe.trigger.definition;

import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.Identifiers;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A request to create or replace a trigger. Only {@code id}, {@code inputs} and {@code launcher}
 * are required.
 *
 * @param id the trigger id
 * @param inputs captures ({@code {"capture": "orders-daily"}}) or source tables ({@code {"table":
 *     "demo.orders"}}, any capture of it)
 * @param condition {@code any} (default) or {@code all}
 * @param minRecords records pending before a run; 0 (default) for no minimum
 * @param minChangeSets change sets pending before a run; 1 by default
 * @param maxDelay a run starts at the latest this long after its oldest pending change
 * @param quietPeriod wait until no change has arrived for this long; none by default
 * @param rangeFilters run only for changes whose ranges overlap these
 * @param changeKinds the kinds that count; all but {@code replace} by default
 * @param propagateBackfills whether changes written by backfills start runs too; false by default
 * @param concurrency sequential (default), parallel up to N, or latest-only
 * @param retry attempts and back-off of a failed run
 * @param runTimeout how long a run may take
 * @param launcher what starts the job
 * @param paused create it paused
 * @param onLost {@code hold} (default) or {@code continue}: whether a lost change of an input holds
 *     the trigger until an operator resumes it; the next run lists the lost changes either way
 */
public record TriggerRequest(
    @Schema(example = "orders-daily-job", required = true)
        @NotBlank
        @Pattern(
            regexp = "[a-z0-9][a-z0-9_-]{0,99}",
            message = "must be lower-case letters, digits, _ and -")
        String id,
    @NotEmpty @Size(max = 20) List<@Valid @NotNull Input> inputs,
    @Schema(example = "any") String condition,
    @Min(0) Long minRecords,
    @Min(1) Integer minChangeSets,
    @Schema(example = "PT1H") Duration maxDelay,
    @Schema(example = "PT2M") Duration quietPeriod,
    @Size(max = 20) List<@Valid @NotNull Range> rangeFilters,
    List<@NotNull ChangeKind> changeKinds,
    Boolean propagateBackfills,
    @Valid ConcurrencyRequest concurrency,
    @Valid RetryRequest retry,
    @Schema(example = "PT1H") Duration runTimeout,
    @NotNull @Valid LauncherRequest launcher,
    Boolean paused,
    @Schema(example = "hold") String onLost) {

  /** One input: a capture or a source table, not both. */
  public record Input(
      @Pattern(regexp = "[a-z0-9][a-z0-9_-]{0,99}", message = "must be a capture id")
          String capture,
      @Pattern(regexp = Identifiers.TABLE, message = Identifiers.TABLE_MESSAGE) String table) {}

  /** Run only when a change's range of {@code field} overlaps {@code [from, to]}. */
  public record Range(@NotBlank String field, String from, String to) {}

  /** How many runs may be in flight. */
  public record ConcurrencyRequest(
      @Schema(example = "sequential") String policy, @Min(1) @Max(100) Integer maxParallel) {}

  /** How a failed run is retried. */
  public record RetryRequest(
      @Min(1) @Max(100) Integer maxAttempts, @Schema(example = "PT30S") Duration backoff) {}

  /** What starts the job. */
  public record LauncherRequest(
      @NotBlank @Schema(example = "webhook") String type,
      @Schema(example = "https://jobs.example.com/run") String url,
      String workflowId,
      String dagId,
      String topic,
      @Schema(example = "{\"icdc\": \"{run.inputs[0].icdc.metadataLocation}\"}") String params,
      Map<String, String> headers,
      @Schema(description = "Maestro's caller (its user header); the service's default if absent")
          String user,
      @Valid LoginRequest login) {}

  /**
   * Airflow 3's credentials, exchanged at {@code <url>/auth/token} for JWTs; the password names a
   * secret, {@code ${secret:<name>}}.
   */
  public record LoginRequest(
      @Schema(example = "floe") String username,
      @Schema(example = "${secret:airflow-password}") String password) {}
}
