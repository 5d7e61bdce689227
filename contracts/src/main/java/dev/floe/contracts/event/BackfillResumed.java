package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * An operator resumed a paused backfill.
 *
 * @param by the authenticated principal
 * @param reason why, as the operator gave it; may be null
 */
public record BackfillResumed(
    @JsonProperty(required = true) String backfillId,
    @JsonProperty(required = true) long revision,
    String by,
    String reason,
    @JsonProperty(required = true) Instant at)
    implements BackfillEvent {

  public BackfillResumed {
    requireNonNull(backfillId, "backfillId");
    requireNonNull(at, "at");
  }
}
