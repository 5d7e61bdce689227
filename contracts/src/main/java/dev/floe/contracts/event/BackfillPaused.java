package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * An operator paused a backfill: running chunks finish, no new chunk starts.
 *
 * @param by the authenticated principal
 * @param reason why, as the operator gave it; may be null
 */
public record BackfillPaused(
    @JsonProperty(required = true) String backfillId,
    @JsonProperty(required = true) long revision,
    String by,
    String reason,
    @JsonProperty(required = true) Instant at)
    implements BackfillEvent {

  public BackfillPaused {
    requireNonNull(backfillId, "backfillId");
    requireNonNull(at, "at");
  }
}
