package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.BackfillSpec;
import dev.floe.contracts.model.ChunkPlan;
import java.util.List;

/**
 * A backfill was accepted and planned from metadata. Dry runs are answered over REST and never
 * published.
 *
 * @param requestedBy the authenticated principal that asked for it
 */
public record BackfillPlanned(
    @JsonProperty(required = true) String backfillId,
    @JsonProperty(required = true) long revision,
    @JsonProperty(required = true) BackfillSpec spec,
    @JsonProperty(required = true) List<ChunkPlan> chunks,
    long records,
    long dataFiles,
    long bytes,
    String requestedBy)
    implements BackfillEvent {

  public BackfillPlanned {
    requireNonNull(backfillId, "backfillId");
    requireNonNull(spec, "spec");
    chunks = List.copyOf(requireNonNull(chunks, "chunks"));
  }
}
