package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.ChunkState;

/**
 * The validation result of a chunk, with its numbers.
 *
 * @param outcome {@code validated} or {@code invalid}
 * @param method {@code record-count} or {@code webhook}
 * @param expectedRecords the source chunk's records from metadata; null for a webhook check
 * @param actualRecords the target's records in the matching range; null for a webhook check
 * @param detail a short human-readable explanation
 */
public record BackfillChunkValidated(
    @JsonProperty(required = true) String backfillId,
    @JsonProperty(required = true) long revision,
    @JsonProperty(required = true) String chunkId,
    @JsonProperty(required = true) int attempt,
    @JsonProperty(required = true) ChunkState outcome,
    @JsonProperty(required = true) String method,
    Long expectedRecords,
    Long actualRecords,
    double tolerance,
    String detail)
    implements BackfillEvent {

  public BackfillChunkValidated {
    requireNonNull(backfillId, "backfillId");
    requireNonNull(chunkId, "chunkId");
    requireNonNull(outcome, "outcome");
    requireNonNull(method, "method");
    if (outcome != ChunkState.VALIDATED && outcome != ChunkState.INVALID) {
      throw new IllegalArgumentException("outcome must be validated or invalid, not " + outcome);
    }
  }
}
