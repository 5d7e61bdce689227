package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/** A backfill's first chunks were handed to the run machinery. */
public record BackfillStarted(
    @JsonProperty(required = true) String backfillId,
    @JsonProperty(required = true) long revision,
    @JsonProperty(required = true) int chunks,
    @JsonProperty(required = true) int concurrency,
    @JsonProperty(required = true) Instant startedAt)
    implements BackfillEvent {

  public BackfillStarted {
    requireNonNull(backfillId, "backfillId");
    requireNonNull(startedAt, "startedAt");
  }
}
