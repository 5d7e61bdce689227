package dev.floe.contracts.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What one trigger input contributes to a run: its changes, which cover the source snapshots (S0,
 * Sn], and two zero-copy states of that range such that, as multisets, {@code rows(Sn) = rows(S0) −
 * removed + added}.
 *
 * @param captureId the capture the changes come from
 * @param table the source table
 * @param icdc the added state: rows live at Sn that were not at S0, read as Sn sees them; null when
 *     nothing was added or the state could not be formed (then only the change ids are given)
 * @param snapshotRanges the source snapshot ranges of the changes, oldest first
 * @param changeIds the ids of the {@code ChangeCaptured} events folded into this run
 * @param records the records the changes added
 * @param ranges the change range of each tracked field over the union
 * @param lateData true when any of the changes carries late data
 * @param removedIcdc the removed state: rows live at S0 that are gone or replaced at Sn, read as S0
 *     saw them; null when nothing was removed
 * @param statesOmitted why the input carries no states although it has changes, or null: a job then
 *     reads each change's own states (named in its {@code ChangeCaptured}), or the source where a
 *     change has none either ({@code ChangeCaptured.statesOmitted}), as both being null would
 *     otherwise read as "nothing added, nothing removed"
 * @param lost changes of this capture that were lost before they were captured ({@code
 *     ChangeLost}), listed in the first run formed after them: the input misses their rows; empty
 *     when none
 */
public record RunInput(
    @JsonProperty(required = true) String captureId,
    @JsonProperty(required = true) TableRef table,
    IcdcRef icdc,
    @JsonProperty(required = true) List<SnapshotRange> snapshotRanges,
    List<String> changeIds,
    long records,
    List<FieldRange> ranges,
    boolean lateData,
    IcdcRef removedIcdc,
    String statesOmitted,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<LostChange> lost) {

  public RunInput {
    requireNonNull(captureId, "captureId");
    requireNonNull(table, "table");
    snapshotRanges = List.copyOf(requireNonNull(snapshotRanges, "snapshotRanges"));
    changeIds = changeIds == null ? List.of() : List.copyOf(changeIds);
    ranges = ranges == null ? List.of() : List.copyOf(ranges);
    lost = lost == null ? List.of() : List.copyOf(lost);
  }

  /** An input without a removed state. */
  public RunInput(
      String captureId,
      TableRef table,
      IcdcRef icdc,
      List<SnapshotRange> snapshotRanges,
      List<String> changeIds,
      long records,
      List<FieldRange> ranges,
      boolean lateData) {
    this(
        captureId,
        table,
        icdc,
        snapshotRanges,
        changeIds,
        records,
        ranges,
        lateData,
        null,
        null,
        List.of());
  }

  /** This input listing {@code changes} as lost. */
  public RunInput withLost(List<LostChange> changes) {
    return new RunInput(
        captureId,
        table,
        icdc,
        snapshotRanges,
        changeIds,
        records,
        ranges,
        lateData,
        removedIcdc,
        statesOmitted,
        changes);
  }

  /** This input with the states {@code added} and {@code removed}. */
  public RunInput withStates(IcdcRef added, IcdcRef removed) {
    return new RunInput(
        captureId,
        table,
        added,
        snapshotRanges,
        changeIds,
        records,
        ranges,
        lateData,
        removed,
        null,
        lost);
  }

  /** This input without states, saying why. */
  public RunInput withoutStates(String why) {
    return new RunInput(
        captureId,
        table,
        null,
        snapshotRanges,
        changeIds,
        records,
        ranges,
        lateData,
        null,
        why,
        lost);
  }
}
