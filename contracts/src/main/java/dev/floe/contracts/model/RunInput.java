package dev.floe.contracts.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What one trigger input contributes to a run.
 *
 * @param captureId the capture the changes come from
 * @param table the source table
 * @param icdc the ICDC state holding exactly the union of {@code changeIds}, read by the job
 * @param snapshotRanges the source snapshot ranges of the changes, oldest first
 * @param changeIds the ids of the {@code ChangeCaptured} events folded into this run
 * @param records the records the changes added
 * @param ranges the change range of each tracked field over the union
 * @param lateData true when any of the changes carries late data
 */
public record RunInput(
    @JsonProperty(required = true) String captureId,
    @JsonProperty(required = true) TableRef table,
    IcdcRef icdc,
    @JsonProperty(required = true) List<SnapshotRange> snapshotRanges,
    List<String> changeIds,
    long records,
    List<FieldRange> ranges,
    boolean lateData) {

  public RunInput {
    requireNonNull(captureId, "captureId");
    requireNonNull(table, "table");
    snapshotRanges = List.copyOf(requireNonNull(snapshotRanges, "snapshotRanges"));
    changeIds = changeIds == null ? List.of() : List.copyOf(changeIds);
    ranges = ranges == null ? List.of() : List.copyOf(ranges);
  }
}
