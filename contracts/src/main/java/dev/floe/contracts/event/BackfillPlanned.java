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
 * <p>A large plan comes in pages: this event holds the first chunks in run order, and {@link
 * BackfillChunksPlanned} events hold the rest, in order, before the backfill starts.
 *
 * @param chunks the first chunks of the plan, in run order; all of them when {@code chunkCount} is
 *     absent or equal to their number
 * @param requestedBy the authenticated principal that asked for it
 * @param chunkCount how many chunks the plan has in all; absent in events written before plans came
 *     in pages, where {@code chunks} holds them all
 */
public record BackfillPlanned(
    @JsonProperty(required = true) String backfillId,
    @JsonProperty(required = true) long revision,
    @JsonProperty(required = true) BackfillSpec spec,
    @JsonProperty(required = true) List<ChunkPlan> chunks,
    long records,
    long dataFiles,
    long bytes,
    String requestedBy,
    Integer chunkCount)
    implements BackfillEvent {

  public BackfillPlanned {
    requireNonNull(backfillId, "backfillId");
    requireNonNull(spec, "spec");
    chunks = List.copyOf(requireNonNull(chunks, "chunks"));
    if (chunkCount != null && chunkCount < chunks.size()) {
      throw new IllegalArgumentException(
          "chunkCount " + chunkCount + " is less than the " + chunks.size() + " chunks given");
    }
  }

  /** A plan whose chunks are all in this event. */
  public BackfillPlanned(
      String backfillId,
      long revision,
      BackfillSpec spec,
      List<ChunkPlan> chunks,
      long records,
      long dataFiles,
      long bytes,
      String requestedBy) {
    this(backfillId, revision, spec, chunks, records, dataFiles, bytes, requestedBy, null);
  }

  /** How many chunks the plan has in all, with those of the pages that follow. */
  public int totalChunks() {
    return chunkCount == null ? chunks.size() : chunkCount;
  }
}
