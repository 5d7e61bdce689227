package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * An operator retried a backfill: only its failed and invalid chunks run again.
 *
 * @param chunkIds the chunks that run again; the first 1,000 of them when more do, in run order
 * @param by the authenticated principal
 */
public record BackfillRetried(
    @JsonProperty(required = true) String backfillId,
    @JsonProperty(required = true) long revision,
    @JsonProperty(required = true) List<String> chunkIds,
    String by,
    @JsonProperty(required = true) Instant at)
    implements BackfillEvent {

  public BackfillRetried {
    requireNonNull(backfillId, "backfillId");
    requireNonNull(at, "at");
    chunkIds = List.copyOf(requireNonNull(chunkIds, "chunkIds"));
  }
}
