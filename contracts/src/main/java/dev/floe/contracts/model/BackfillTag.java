package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.Objects;

/**
 * Marks a change or a run as part of a backfill, so that downstream triggers can propagate it or
 * suppress it. A job marks its commit by copying its run's tag into the snapshot summary ({@link
 * #BACKFILL_ID}, {@link #CHUNK_ID}, {@link #PROPAGATE}); a capture of that table then tags the
 * change. Downstream triggers skip tagged changes unless the tag says {@code propagate} or the
 * trigger propagates backfills.
 *
 * @param propagate the backfill asks downstream triggers to run on its output; false when absent
 */
public record BackfillTag(
    @JsonProperty(required = true) String backfillId,
    @JsonProperty(required = true) String chunkId,
    boolean propagate) {

  /** The snapshot summary property naming the backfill a commit belongs to. */
  public static final String BACKFILL_ID = "floe.backfill-id";

  /** The snapshot summary property naming the chunk a commit belongs to. */
  public static final String CHUNK_ID = "floe.chunk-id";

  /** The snapshot summary property, {@code true} or absent, that asks for propagation. */
  public static final String PROPAGATE = "floe.backfill-propagate";

  public BackfillTag {
    Objects.requireNonNull(backfillId, "backfillId");
    Objects.requireNonNull(chunkId, "chunkId");
  }

  /** A tag that asks for no propagation. */
  public BackfillTag(String backfillId, String chunkId) {
    this(backfillId, chunkId, false);
  }

  /** The tag a commit's snapshot summary carries, or null when it carries none. */
  public static BackfillTag fromSummary(Map<String, String> summary) {
    String backfill = summary == null ? null : summary.get(BACKFILL_ID);
    if (backfill == null || backfill.isBlank()) {
      return null;
    }
    String chunk = summary.get(CHUNK_ID);
    return new BackfillTag(
        backfill, chunk == null ? "" : chunk, Boolean.parseBoolean(summary.get(PROPAGATE)));
  }

  /** The summary properties a job sets on its commit to carry this tag. */
  public Map<String, String> summary() {
    return propagate
        ? Map.of(BACKFILL_ID, backfillId, CHUNK_ID, chunkId, PROPAGATE, "true")
        : Map.of(BACKFILL_ID, backfillId, CHUNK_ID, chunkId);
  }
}
