package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Map;

/**
 * A backfill reached an end state: every chunk is validated or succeeded ({@code succeeded}), some
 * failed or are invalid ({@code failed}), or it was cancelled ({@code cancelled}). A retry can
 * follow a {@code failed} completion.
 *
 * @param chunkStates how many chunks ended in each state, by state name
 */
public record BackfillCompleted(
    @JsonProperty(required = true) String backfillId,
    @JsonProperty(required = true) long revision,
    @JsonProperty(required = true) String outcome,
    Map<String, Integer> chunkStates,
    @JsonProperty(required = true) Instant finishedAt,
    long durationMs)
    implements BackfillEvent {

  public BackfillCompleted {
    requireNonNull(backfillId, "backfillId");
    requireNonNull(outcome, "outcome");
    requireNonNull(finishedAt, "finishedAt");
    chunkStates = chunkStates == null ? Map.of() : Map.copyOf(chunkStates);
  }
}
