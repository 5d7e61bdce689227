package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Objects;

/**
 * The last snapshot published on a branch. Its sequence number and commit time stay useful after
 * the snapshot itself has expired from the table's metadata: any later commit has a higher sequence
 * number.
 */
public record BranchPosition(
    @JsonProperty(required = true) long snapshotId,
    @JsonProperty(required = true) long sequenceNumber,
    @JsonProperty(required = true) Instant committedAt) {

  public BranchPosition {
    Objects.requireNonNull(committedAt, "committedAt");
  }
}
