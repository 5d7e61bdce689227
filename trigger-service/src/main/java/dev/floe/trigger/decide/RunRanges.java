package dev.floe.trigger.decide;

import dev.floe.icdc.RangeStates;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;

/**
 * The range states of a run's changes, read from the source's metadata ({@link RangeStates}), and
 * why they are not one range when they are not. Changes are one range when nothing lies between
 * them but compactions, which change no row; a later run's change, a suppressed backfill commit or
 * a change the trigger's filters leave out would otherwise be read into this run's states. Pure
 * functions of the source's metadata; nothing is written.
 */
final class RunRanges {
  private RunRanges() {}

  /**
   * The states of the changes. When they are one range of the source without a snapshot between
   * them: that range's states. When they are several ranges and each only appended: the sum of
   * their added files, exactly the appended rows, with nothing of what lies between (a compaction
   * among appends would otherwise put every row it rewrote in both states, and a job that reads
   * appends as its change would count them twice). Otherwise, when only compactions lie between
   * them: the states of the whole range, in which the compacted files' rows appear in both states.
   * Else null: no states are only this run's.
   */
  static RangeStates.States statesOf(Table source, List<PendingChange> changes) {
    List<List<PendingChange>> ranges = ranges(changes);
    if (ranges.size() == 1) {
      return between(source, changes);
    }
    List<DataFile> appended = new ArrayList<>();
    boolean appendsOnly = true;
    for (List<PendingChange> range : ranges) {
      // A snapshot of a range that expired is refused (HistoryGone), as for a single range.
      RangeStates.States states = between(source, range);
      if (!states.appendsOnly()) {
        appendsOnly = false;
        break;
      }
      appended.addAll(states.added().data());
    }
    if (appendsOnly) {
      return new RangeStates.States(
          new RangeStates.End(List.of(), List.of()),
          new RangeStates.End(appended, List.of()),
          0,
          0,
          true);
    }
    if (gap(source, changes) == null) {
      return between(source, changes);
    }
    return null; // several ranges, not only appends, or one of them unreadable: no states
  }

  private static RangeStates.States between(Table source, List<PendingChange> changes) {
    return RangeStates.between(
        source,
        changes.get(0).range().fromSnapshotIdExclusive(),
        changes.get(changes.size() - 1).range().toSnapshotId());
  }

  /** {@code changes} in runs that are each one range of the source, nothing between, in order. */
  private static List<List<PendingChange>> ranges(List<PendingChange> changes) {
    List<List<PendingChange>> runs = new ArrayList<>();
    List<PendingChange> current = new ArrayList<>();
    for (PendingChange change : changes) {
      if (!current.isEmpty()
          && !Objects.equals(
              change.range().fromSnapshotIdExclusive(),
              current.get(current.size() - 1).range().toSnapshotId())) {
        runs.add(current);
        current = new ArrayList<>();
      }
      current.add(change);
    }
    runs.add(current);
    return runs;
  }

  /**
   * Why the changes are not one range of the source, or null: between two of them, every snapshot
   * must be a compaction ({@code replace}), which changes no row. Another change between (one a
   * later run holds after a failed run folded back, a backfill commit the trigger suppresses, a
   * change its filters leave out) would otherwise be read into this run's states.
   *
   * @throws RangeStates.HistoryGone when a snapshot between them has expired
   */
  static String gap(Table source, List<PendingChange> changes) {
    for (int i = 1; i < changes.size(); i++) {
      String gap = gapBetween(source, changes.get(i - 1), changes.get(i));
      if (gap != null) {
        return gap;
      }
    }
    return null;
  }

  private static String gapBetween(Table source, PendingChange previous, PendingChange next) {
    long end = previous.range().toSnapshotId();
    Long start = next.range().fromSnapshotIdExclusive();
    Snapshot endSnapshot = source.snapshot(end);
    Long at = start;
    while (at != null && at != end) {
      Snapshot between = source.snapshot(at);
      if (between != null
          && endSnapshot != null
          && endSnapshot.sequenceNumber() > 0 // format 1 numbers no snapshot
          && between.sequenceNumber() <= endSnapshot.sequenceNumber()) {
        break; // walked past the earlier change: it is not an ancestor (a rollback between)
      }
      if (between == null) {
        throw new RangeStates.HistoryGone(
            "snapshot " + at + " of " + source.name() + ", between the run's changes, expired");
      }
      if (!DataOperations.REPLACE.equals(between.operation())) {
        return "the changes are not one range of "
            + source.name()
            + ": snapshot "
            + at
            + " ("
            + between.operation()
            + ") between them is not in this run";
      }
      at = between.parentId();
    }
    return at != null && at == end
        ? null
        : "snapshot " + end + " is not an ancestor of " + start + " in " + source.name();
  }
}
