package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * Marks a change or a run as part of a backfill, so that downstream triggers can propagate it or
 * suppress it. A job marks its commit by setting {@link #BACKFILL_ID} and {@link #CHUNK_ID} in the
 * snapshot summary, from its run's tag; a capture of that table then tags the change.
 */
public record BackfillTag(
    @JsonProperty(required = true) String backfillId,
    @JsonProperty(required = true) String chunkId) {

  /** The snapshot summary property naming the backfill a commit belongs to. */
  public static final String BACKFILL_ID = "floe.backfill-id";

  /** The snapshot summary property naming the chunk a commit belongs to. */
  public static final String CHUNK_ID = "floe.chunk-id";

  /** The tag a commit's snapshot summary carries, or null when it carries none. */
  public static BackfillTag fromSummary(java.util.Map<String, String> summary) {
    String backfill = summary == null ? null : summary.get(BACKFILL_ID);
    if (backfill == null || backfill.isBlank()) {
      return null;
    }
    String chunk = summary.get(CHUNK_ID);
    return new BackfillTag(backfill, chunk == null ? "" : chunk);
  }

  public BackfillTag {
    Objects.requireNonNull(backfillId, "backfillId");
    Objects.requireNonNull(chunkId, "chunkId");
  }
}
