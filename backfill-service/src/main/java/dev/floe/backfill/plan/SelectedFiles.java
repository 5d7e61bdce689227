package dev.floe.backfill.plan;

import dev.floe.icdc.RangeStates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.io.CloseableIterable;

/**
 * What a selection takes: scan tasks, each a data file with the delete files that apply to it, and
 * which of them are read at the range's start ({@code removed}, by identity: a file whose deletes
 * changed is taken at both ends); {@code rewrote} when the range, unfiltered, removed or rewrote
 * rows. Found from metadata alone, with column statistics and no data file read.
 */
record SelectedFiles(List<FileScanTask> tasks, Set<FileScanTask> removed, boolean rewrote) {

  /**
   * The files the selection takes. The whole table: its live files at the end snapshot. A snapshot
   * range (S0, Sn]: its two zero-copy states, as for a change or a run ({@link RangeStates}), found
   * from metadata: the files live at Sn that the range added or whose deletes it changed, with
   * their deletes at Sn, and the files live at S0 that it removed or whose deletes it changed, with
   * their deletes at S0; so that, as multisets, {@code rows(Sn) = rows(S0) − removed + added}. Each
   * end is filtered by the selection's filter.
   */
  static SelectedFiles of(Table source, Selection selection) {
    if (selection.fromSnapshotId() == null) {
      List<FileScanTask> tasks = tasks(source, selection.toSnapshotId(), selection.filter());
      Long added = selection.addedAtSequenceNumber();
      if (added != null) {
        // One commit's data files still live: they carry its sequence number as their file
        // sequence number, kept through manifest rewrites, whatever expired. Not the data sequence
        // number: a compaction may give its new files an older one.
        if (tasks.stream().anyMatch(t -> t.file().fileSequenceNumber() == null)) {
          throw new PlanningException(
              "range.addedAtSequenceNumber",
              "some live data files carry no file sequence number (written by an older Iceberg):"
                  + " select the lost commit's rows with a field range instead");
        }
        tasks = tasks.stream().filter(t -> added.equals(t.file().fileSequenceNumber())).toList();
        if (tasks.isEmpty()) {
          throw new PlanningException(
              "range.addedAtSequenceNumber",
              "no live data file carries sequence number "
                  + added
                  + ": the commit's files were rewritten (a compaction) or removed since; select"
                  + " its rows with a field range instead");
        }
      }
      return new SelectedFiles(tasks, Set.of(), false);
    }
    RangeStates.States states;
    try {
      states = RangeStates.between(source, selection.fromSnapshotId(), selection.toSnapshotId());
    } catch (RangeStates.HistoryGone e) {
      // The end was checked by Selection: the start, or a snapshot after it, has expired; a
      // later start is the way out.
      throw new PlanningException(
          "range.fromSnapshotId", "the range can't be read: " + e.getMessage());
    }
    Set<String> added = locations(states.added().data());
    Set<String> removedFiles = locations(states.removed().data());
    List<FileScanTask> tasks = new ArrayList<>();
    Set<FileScanTask> removed = Collections.newSetFromMap(new IdentityHashMap<>());
    for (FileScanTask t : tasks(source, selection.toSnapshotId(), selection.filter())) {
      if (added.contains(t.file().location())) {
        tasks.add(t);
      }
    }
    if (!removedFiles.isEmpty()) {
      for (FileScanTask t : tasks(source, selection.fromSnapshotId(), selection.filter())) {
        if (removedFiles.contains(t.file().location())) {
          tasks.add(t);
          removed.add(t);
        }
      }
    }
    // Decided on the whole range, before any filter: a filter may keep a rewritten file's new
    // end and leave out its old one.
    return new SelectedFiles(tasks, removed, !states.removed().data().isEmpty());
  }

  private static List<FileScanTask> tasks(Table source, long snapshotId, Expression filter) {
    List<FileScanTask> tasks = new ArrayList<>();
    try (CloseableIterable<FileScanTask> files =
        source.newScan().useSnapshot(snapshotId).filter(filter).includeColumnStats().planFiles()) {
      files.forEach(tasks::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return tasks;
  }

  private static Set<String> locations(List<DataFile> files) {
    Set<String> locations = new java.util.HashSet<>();
    files.forEach(f -> locations.add(f.location()));
    return locations;
  }
}
