package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.Concurrency;
import dev.floe.contracts.model.Launcher;
import dev.floe.contracts.model.OnLost;
import dev.floe.contracts.model.RangeFilter;
import dev.floe.contracts.model.RetryPolicy;
import dev.floe.contracts.model.TriggerCondition;
import dev.floe.contracts.model.TriggerInput;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A trigger: which captured changes start which job, when, and how runs are retried and bounded.
 *
 * @param triggerId unique, {@code [a-z0-9][a-z0-9_-]*}
 * @param inputs the captures or source tables whose changes feed the trigger
 * @param condition any input with pending changes is enough, or all must have some
 * @param minRecords records that pending changes must hold before a run; 0 for no minimum
 * @param minChangeSets change sets that must be pending before a run; at least 1
 * @param maxDelay a run starts at the latest this long after its oldest pending change, minimums or
 *     not; null for no limit
 * @param quietPeriod a run waits until no change has arrived for this long (debounce); zero for
 *     none
 * @param rangeFilters changes count only when their ranges overlap every filter
 * @param changeKinds the kinds that count; compaction ({@code replace}) is left out by default
 * @param propagateBackfills whether changes written by backfills start runs too
 * @param concurrency how many runs may be in flight
 * @param retry how a failed run is retried before its changes fold into the next run
 * @param runTimeout a run not finished after this long fails, and is retried
 * @param launcher what starts the job
 * @param paused a paused trigger keeps collecting changes and starts no run
 * @param onLost what a lost change of an input does: hold the trigger (null, the default) or
 *     continue; the next run lists it either way
 */
public record TriggerDefined(
    @JsonProperty(required = true) String triggerId,
    @JsonProperty(required = true) List<TriggerInput> inputs,
    @JsonProperty(required = true) TriggerCondition condition,
    long minRecords,
    int minChangeSets,
    Duration maxDelay,
    @JsonProperty(required = true) Duration quietPeriod,
    List<RangeFilter> rangeFilters,
    @JsonProperty(required = true) List<ChangeKind> changeKinds,
    boolean propagateBackfills,
    @JsonProperty(required = true) Concurrency concurrency,
    @JsonProperty(required = true) RetryPolicy retry,
    @JsonProperty(required = true) Duration runTimeout,
    @JsonProperty(required = true) Launcher launcher,
    boolean paused,
    OnLost onLost,
    String definedBy,
    @JsonProperty(required = true) Instant definedAt)
    implements TriggerEvent {

  public TriggerDefined {
    requireNonNull(triggerId, "triggerId");
    inputs = List.copyOf(requireNonNull(inputs, "inputs"));
    requireNonNull(condition, "condition");
    requireNonNull(quietPeriod, "quietPeriod");
    rangeFilters = rangeFilters == null ? List.of() : List.copyOf(rangeFilters);
    changeKinds = List.copyOf(requireNonNull(changeKinds, "changeKinds"));
    requireNonNull(concurrency, "concurrency");
    requireNonNull(retry, "retry");
    requireNonNull(runTimeout, "runTimeout");
    requireNonNull(launcher, "launcher");
    requireNonNull(definedAt, "definedAt");
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("a trigger needs at least one input");
    }
    if (minChangeSets < 1) {
      throw new IllegalArgumentException("minChangeSets must be at least 1");
    }
  }

  @Override
  public String idSeed() {
    return triggerId + "/" + definedAt.toEpochMilli();
  }
}
