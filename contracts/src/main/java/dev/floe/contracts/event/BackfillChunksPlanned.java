package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.ChunkPlan;
import java.util.List;

/**
 * A page of a large plan's chunks, after its {@link BackfillPlanned}: the pages follow it in run
 * order, and the backfill starts once they hold {@link BackfillPlanned#totalChunks()} chunks.
 *
 * @param chunks the next chunks of the plan, in run order
 */
public record BackfillChunksPlanned(
    @JsonProperty(required = true) String backfillId,
    @JsonProperty(required = true) long revision,
    @JsonProperty(required = true) List<ChunkPlan> chunks)
    implements BackfillEvent {

  public BackfillChunksPlanned {
    requireNonNull(backfillId, "backfillId");
    chunks = List.copyOf(requireNonNull(chunks, "chunks"));
  }
}
