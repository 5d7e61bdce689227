package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.ChunkState;

/**
 * A chunk moved from one state to another.
 *
 * @param runId the run executing the chunk; null before it is requested
 * @param attempt the chunk's attempt, 1 at first and increasing with each retry of the backfill
 * @param error why the chunk failed; null unless {@code state} is {@code failed}
 */
public record BackfillChunkStateChanged(
    @JsonProperty(required = true) String backfillId,
    @JsonProperty(required = true) long revision,
    @JsonProperty(required = true) String chunkId,
    @JsonProperty(required = true) ChunkState state,
    ChunkState previousState,
    String runId,
    @JsonProperty(required = true) int attempt,
    String error)
    implements BackfillEvent {

  public BackfillChunkStateChanged {
    requireNonNull(backfillId, "backfillId");
    requireNonNull(chunkId, "chunkId");
    requireNonNull(state, "state");
  }
}
