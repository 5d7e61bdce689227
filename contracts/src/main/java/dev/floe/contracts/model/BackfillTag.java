package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * Marks a change or a run as part of a backfill, so that downstream triggers can propagate it or
 * suppress it.
 */
public record BackfillTag(
    @JsonProperty(required = true) String backfillId,
    @JsonProperty(required = true) String chunkId) {

  public BackfillTag {
    Objects.requireNonNull(backfillId, "backfillId");
    Objects.requireNonNull(chunkId, "chunkId");
  }
}
