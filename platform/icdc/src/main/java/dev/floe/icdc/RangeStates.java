package dev.floe.icdc;

import dev.floe.icdc.EndReader.Entry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.ContentFile;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotChanges;
import org.apache.iceberg.Table;

/**
 * The two zero-copy states of a range of source snapshots (S0, Sn]: {@code removed}, the data files
 * live at S0 that the range removed or whose deletes it changed, each with the delete files that
 * applied to it at S0; and {@code added}, the data files live at Sn that the range added or whose
 * deletes it changed, with those that apply at Sn. As multisets, {@code rows(Sn) = rows(S0) −
 * removed + added}: every other data file reads the same at both ends.
 *
 * <p>Built from metadata only, no data file is opened. The files the range touched come from the
 * manifests each of its snapshots wrote. A deletion vector or a file-scoped position delete names
 * its data file; a partition-scoped position delete or an equality delete may apply to any older
 * file of its partition, and one of an unpartitioned spec to every file of the table. The two ends'
 * manifests are then read, skipping those whose partition summaries cannot hold a touched
 * partition, and each kept data file gets the delete files that apply to it by Iceberg's rules: a
 * deletion vector of its path replaces position deletes; a position delete applies to files of its
 * partition (or its named file) with a data sequence number at most its own; an equality delete to
 * files of its partition, or of every partition when its spec is unpartitioned, with a smaller one.
 * A file that reads the same at both ends (same delete files) is in neither state.
 *
 * <p>Stateless; {@link #between} reads the source's metadata and never writes.
 */
public final class RangeStates {
  private RangeStates() {}

  /**
   * The files of one end, as that end reads them: each delete file applies at that end to at least
   * one of the data files, and to the same ones in a state that keeps the files' order of data
   * sequence numbers ({@link IcdcStates#commitEnd}).
   */
  public record End(List<DataFile> data, List<DeleteFile> deletes) {
    public End {
      data = List.copyOf(data);
      deletes = List.copyOf(deletes);
    }

    public boolean isEmpty() {
      return data.isEmpty();
    }

    public long records() {
      return data.stream().mapToLong(ContentFile::recordCount).sum();
    }
  }

  /**
   * @param manifestsRead manifests opened to find the touched files at the two ends
   * @param manifestsSkipped manifests skipped by their partition summaries
   * @param appendsOnly true when the range only added data files: then {@code added} holds exactly
   *     them, with no delete, and the states of such ranges add up
   */
  public record States(
      End removed, End added, int manifestsRead, int manifestsSkipped, boolean appendsOnly) {}

  /** A snapshot of the range is gone from the source, so its changes cannot be read. */
  public static final class HistoryGone extends IllegalStateException {
    public HistoryGone(String message) {
      super(message);
    }
  }

  /**
   * The states of {@code (from, to]}.
   *
   * @param from S0, or null for a range starting at the table's first snapshot
   * @throws HistoryGone when {@code to} or a snapshot between the two ends has expired, or when
   *     {@code from} has and the range did more than append (a range of appends never reads S0)
   */
  public static States between(Table source, Long from, long to) {
    List<Snapshot> range = range(source, from, to);
    RangeScope scope = new RangeScope(source.specs());
    List<DataFile> appended = new ArrayList<>();
    boolean appendsOnly = true;
    for (Snapshot snapshot : range) {
      SnapshotChanges changes = SnapshotChanges.builderFor(source).snapshot(snapshot).build();
      changes.addedDataFiles().forEach(scope::touch);
      changes.removedDataFiles().forEach(scope::touch);
      changes.addedDeleteFiles().forEach(scope::touch);
      changes.removedDeleteFiles().forEach(scope::touch);
      changes.addedDataFiles().forEach(f -> appended.add(f.copy()));
      appendsOnly &=
          isEmpty(changes.removedDataFiles())
              && isEmpty(changes.addedDeleteFiles())
              && isEmpty(changes.removedDeleteFiles());
    }
    if (appendsOnly) {
      // Nothing was removed and no delete was added: every file the range added is live at Sn,
      // and no delete file applies to it (an older one has a lower sequence number, or names
      // other files). Neither end's manifests need reading.
      appended.sort(Comparator.comparing(DataFile::location));
      return new States(new End(List.of(), List.of()), new End(appended, List.of()), 0, 0, true);
    }
    if (from != null && source.snapshot(from) == null) {
      throw new HistoryGone("snapshot " + from + " of " + source.name() + " has expired");
    }
    EndReader reader = new EndReader(source, scope);
    Map<String, Entry> before = from == null ? Map.of() : reader.read(source.snapshot(from));
    Map<String, Entry> after = reader.read(source.snapshot(to));
    // A file that reads the same at both ends cancels out.
    Set<String> same = new HashSet<>();
    before.forEach(
        (path, entry) -> {
          Entry other = after.get(path);
          if (other != null && other.deletePaths().equals(entry.deletePaths())) {
            same.add(path);
          }
        });
    return new States(
        end(before, same),
        end(after, same),
        reader.manifestsRead(),
        reader.manifestsSkipped(),
        false);
  }

  private static boolean isEmpty(Iterable<?> files) {
    return !files.iterator().hasNext();
  }

  private static List<Snapshot> range(Table source, Long from, long to) {
    Snapshot snapshot = source.snapshot(to);
    if (snapshot == null) {
      throw new HistoryGone("snapshot " + to + " of " + source.name() + " has expired");
    }
    List<Snapshot> range = new ArrayList<>();
    while (true) {
      range.add(snapshot);
      Long parent = snapshot.parentId();
      if (parent != null && parent.equals(from)) {
        break; // S0 itself is read only when an end must be
      }
      if (parent == null) {
        if (from != null) {
          throw new HistoryGone(
              "snapshot " + from + " is not an ancestor of " + to + " in " + source.name());
        }
        break;
      }
      snapshot = source.snapshot(parent);
      if (snapshot == null) {
        throw new HistoryGone(
            "snapshot " + parent + " of " + source.name() + ", between the range's ends, expired");
      }
    }
    return range;
  }

  /**
   * A delete file's identity: its path, and for a deletion vector its offset, as one Puffin file
   * holds the vectors of many data files.
   */
  public static String key(DeleteFile file) {
    return file.contentOffset() == null
        ? file.location()
        : file.location() + "#" + file.contentOffset();
  }

  private static End end(Map<String, Entry> entries, Set<String> same) {
    List<DataFile> data = new ArrayList<>();
    Map<String, DeleteFile> deletes = new LinkedHashMap<>();
    entries.values().stream()
        .filter(e -> !same.contains(e.file().location()))
        .sorted(Comparator.comparing(e -> e.file().location()))
        .forEach(
            e -> {
              data.add(e.file());
              e.deletes().forEach(d -> deletes.putIfAbsent(key(d), d));
            });
    return new End(data, new ArrayList<>(deletes.values()));
  }
}
