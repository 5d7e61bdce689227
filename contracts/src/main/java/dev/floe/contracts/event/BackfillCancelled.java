package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * An operator cancelled a backfill: pending chunks never start, running runs are cancelled.
 *
 * @param by the authenticated principal
 * @param reason why, as the operator gave it; may be null
 */
public record BackfillCancelled(
    @JsonProperty(required = true) String backfillId,
    @JsonProperty(required = true) long revision,
    String by,
    String reason,
    @JsonProperty(required = true) Instant at)
    implements BackfillEvent {

  public BackfillCancelled {
    requireNonNull(backfillId, "backfillId");
    requireNonNull(at, "at");
  }
}
