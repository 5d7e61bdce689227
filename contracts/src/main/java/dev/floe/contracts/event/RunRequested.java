package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.BackfillTag;
import dev.floe.contracts.model.RunInput;
import java.util.List;

/**
 * A trigger decided that a job runs on these inputs. Emitted once per run id; launchers pass the
 * run id as their idempotency key, so a repeated request never starts a second job.
 *
 * @param runId deterministic: a function of the trigger and its inputs' snapshot ranges
 * @param inputs one entry per trigger input that has changes in this run
 * @param records the records the run's changes added, over all inputs
 * @param lateData true when any input carries late data
 * @param reason which condition fired: {@code min-records}, {@code max-delay}, {@code
 *     quiet-period}, {@code all-inputs}, {@code backfill} or {@code manual}
 * @param backfill set when the run is a backfill chunk
 */
public record RunRequested(
    @JsonProperty(required = true) String runId,
    @JsonProperty(required = true) String triggerId,
    @JsonProperty(required = true) List<RunInput> inputs,
    long records,
    boolean lateData,
    @JsonProperty(required = true) String reason,
    BackfillTag backfill)
    implements RunEvent {

  public RunRequested {
    requireNonNull(runId, "runId");
    requireNonNull(triggerId, "triggerId");
    requireNonNull(reason, "reason");
    inputs = List.copyOf(requireNonNull(inputs, "inputs"));
  }

  @Override
  public String idSeed() {
    return runId + "/requested";
  }
}
