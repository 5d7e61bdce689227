package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.BackfillTag;
import dev.floe.contracts.model.RunInput;
import java.util.List;

/**
 * A trigger decided that a job runs on these inputs. Emitted once per run id and attempt; launchers
 * pass an idempotency key named by both (the run id for the first attempt, {@code
 * <runId>-attempt-<n>} after), so a repeated request never starts a second job.
 *
 * @param runId deterministic: the trigger, the epoch of its state and the run's sequence number
 * @param inputs one entry per trigger input that has changes in this run
 * @param records the records the run's changes added, over all inputs
 * @param lateData true when any input carries late data
 * @param reason why it runs now: {@code changes} (its conditions are met), {@code max-delay},
 *     {@code queued} (a run formed earlier got its turn), {@code retry}, {@code backfill} or {@code
 *     manual}
 * @param backfill set when the run is a backfill chunk
 * @param attempt 1 for the first request of a run, then one more for each retry
 */
public record RunRequested(
    @JsonProperty(required = true) String runId,
    @JsonProperty(required = true) String triggerId,
    @JsonProperty(required = true) List<RunInput> inputs,
    long records,
    boolean lateData,
    @JsonProperty(required = true) String reason,
    BackfillTag backfill,
    int attempt)
    implements RunEvent {

  public RunRequested {
    requireNonNull(runId, "runId");
    requireNonNull(triggerId, "triggerId");
    requireNonNull(reason, "reason");
    inputs = List.copyOf(requireNonNull(inputs, "inputs"));
    if (attempt < 1) {
      attempt = 1; // absent in events from before attempts were carried
    }
  }

  @Override
  public String idSeed() {
    return attempt == 1 ? runId + "/requested" : runId + "/" + attempt + "/requested";
  }
}
