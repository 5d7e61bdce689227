package dev.floe.icdc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.iceberg.ContentFile;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileContent;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotChanges;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.expressions.ManifestEvaluator;
import org.apache.iceberg.types.Comparators;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.util.ContentFileUtil;
import org.apache.iceberg.util.PartitionMap;

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
  /** Touched partitions of one spec beyond which its manifests are all read, not pruned. */
  static final int MAX_PRUNED_PARTITIONS = 1_000;

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
    Scope scope = new Scope(source.specs());
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
    Counter counter = new Counter();
    Map<String, Entry> before =
        from == null ? Map.of() : read(source, source.snapshot(from), scope, counter);
    Map<String, Entry> after = read(source, source.snapshot(to), scope, counter);
    // A file that reads the same at both ends cancels out.
    Set<String> same = new HashSet<>();
    before.forEach(
        (path, entry) -> {
          Entry other = after.get(path);
          if (other != null && other.deletePaths().equals(entry.deletePaths())) {
            same.add(path);
          }
        });
    return new States(end(before, same), end(after, same), counter.read, counter.skipped, false);
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

  /** A live data file at one end, with the delete files that apply to it there. */
  private record Entry(DataFile file, List<DeleteFile> deletes) {
    Set<String> deletePaths() {
      return deletes.stream().map(RangeStates::key).collect(Collectors.toSet());
    }
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

  /**
   * What the range touched: data files by path, and partitions in which every file may be touched
   * (by a partition-scoped delete); {@code global} when an equality delete of an unpartitioned spec
   * touched every file.
   */
  private static final class Scope {
    final Map<Integer, PartitionSpec> specs;
    final Set<String> paths = new HashSet<>();
    final PartitionMap<Boolean> partitions;
    final PartitionMap<Boolean> wholePartitions;
    boolean global;

    Scope(Map<Integer, PartitionSpec> specs) {
      this.specs = specs;
      this.partitions = PartitionMap.create(specs);
      this.wholePartitions = PartitionMap.create(specs);
    }

    void touch(ContentFile<?> file) {
      if (file instanceof DataFile data) {
        paths.add(data.location());
        partitions.put(data.specId(), data.partition(), true);
        return;
      }
      DeleteFile delete = (DeleteFile) file;
      String named = ContentFileUtil.referencedDataFileLocation(delete);
      if (delete.content() == FileContent.POSITION_DELETES && named != null) {
        paths.add(named);
        partitions.put(delete.specId(), delete.partition(), true);
      } else if (delete.content() == FileContent.EQUALITY_DELETES
          && specs.get(delete.specId()).isUnpartitioned()) {
        global = true;
      } else {
        partitions.put(delete.specId(), delete.partition(), true);
        wholePartitions.put(delete.specId(), delete.partition(), true);
      }
    }

    boolean holds(DataFile file) {
      return global
          || paths.contains(file.location())
          || wholePartitions.containsKey(file.specId(), file.partition());
    }
  }

  private static final class Counter {
    int read;
    int skipped;
  }

  /** The touched data files live at {@code snapshot}, each with the deletes that apply to it. */
  private static Map<String, Entry> read(
      Table source, Snapshot snapshot, Scope scope, Counter counter) {
    Map<Integer, ManifestEvaluator> byScope = evaluators(scope);
    Map<String, DataFile> data = new HashMap<>();
    PartitionMap<Boolean> kept = PartitionMap.create(source.specs());
    for (ManifestFile manifest : snapshot.dataManifests(source.io())) {
      if (!scope.global && !mayHold(byScope, manifest)) {
        counter.skipped++;
        continue;
      }
      counter.read++;
      try (ManifestReader<DataFile> files =
          ManifestFiles.read(manifest, source.io(), source.specs())) {
        for (DataFile file : files) {
          if (scope.holds(file)) {
            data.put(file.location(), file.copy());
            kept.put(file.specId(), file.partition(), true);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (data.isEmpty()) {
      return Map.of();
    }
    Deletes deletes = new Deletes(source.specs(), source.schema());
    Map<Integer, ManifestEvaluator> byKept = evaluators(source.specs(), kept);
    for (ManifestFile manifest : snapshot.deleteManifests(source.io())) {
      boolean globalSpec = source.specs().get(manifest.partitionSpecId()).isUnpartitioned();
      if (!globalSpec && !mayHold(byKept, manifest)) {
        counter.skipped++;
        continue;
      }
      counter.read++;
      try (ManifestReader<DeleteFile> files =
          ManifestFiles.readDeleteManifest(manifest, source.io(), source.specs())) {
        for (DeleteFile file : files) {
          deletes.add(file.copy());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Map<String, Entry> entries = new HashMap<>();
    data.forEach((path, file) -> entries.put(path, new Entry(file, deletes.forFile(file))));
    return entries;
  }

  /** The live delete files of one end, indexed as Iceberg's scan planning indexes them. */
  private static final class Deletes {
    final Map<Integer, PartitionSpec> specs;
    final Map<String, DeleteFile> vectors = new HashMap<>();
    final Map<String, List<DeleteFile>> byPath = new HashMap<>();
    final PartitionMap<List<DeleteFile>> positions;
    final PartitionMap<List<DeleteFile>> equalities;
    final List<DeleteFile> globalEqualities = new ArrayList<>();
    final Schema schema;

    Deletes(Map<Integer, PartitionSpec> specs, Schema schema) {
      this.specs = specs;
      this.schema = schema;
      this.positions = PartitionMap.create(specs);
      this.equalities = PartitionMap.create(specs);
    }

    void add(DeleteFile file) {
      if (file.content() == FileContent.EQUALITY_DELETES) {
        if (specs.get(file.specId()).isUnpartitioned()) {
          globalEqualities.add(file);
        } else {
          equalities.computeIfAbsent(file.specId(), file.partition(), ArrayList::new).add(file);
        }
      } else if (ContentFileUtil.isDV(file)) {
        vectors.put(file.referencedDataFile(), file);
      } else {
        String named = ContentFileUtil.referencedDataFileLocation(file);
        if (named != null) {
          byPath.computeIfAbsent(named, k -> new ArrayList<>()).add(file);
        } else {
          positions.computeIfAbsent(file.specId(), file.partition(), ArrayList::new).add(file);
        }
      }
    }

    List<DeleteFile> forFile(DataFile file) {
      long seq = file.dataSequenceNumber();
      List<DeleteFile> applying = new ArrayList<>();
      for (DeleteFile eq : globalEqualities) {
        if (eq.dataSequenceNumber() > seq && mayMatch(eq, file, schema)) {
          applying.add(eq);
        }
      }
      List<DeleteFile> partitionEqualities = equalities.get(file.specId(), file.partition());
      if (partitionEqualities != null) {
        for (DeleteFile eq : partitionEqualities) {
          if (eq.dataSequenceNumber() > seq && mayMatch(eq, file, schema)) {
            applying.add(eq);
          }
        }
      }
      DeleteFile vector = vectors.get(file.location());
      if (vector != null) {
        applying.add(vector);
        return applying;
      }
      for (DeleteFile pos : byPath.getOrDefault(file.location(), List.of())) {
        if (pos.dataSequenceNumber() >= seq) {
          applying.add(pos);
        }
      }
      List<DeleteFile> scoped = positions.get(file.specId(), file.partition());
      if (scoped != null) {
        for (DeleteFile pos : scoped) {
          if (pos.dataSequenceNumber() >= seq) {
            applying.add(pos);
          }
        }
      }
      return applying;
    }
  }

  /**
   * False when the column statistics show that no row of {@code data} can equal a deleted key, as
   * Iceberg's scan planning prunes equality deletes: a key column whose value ranges do not
   * overlap, unless both files may hold nulls in it. Without statistics the delete may match.
   */
  static boolean mayMatch(DeleteFile delete, DataFile data, Schema schema) {
    if (delete.equalityFieldIds() == null
        || data.lowerBounds() == null
        || data.upperBounds() == null
        || delete.lowerBounds() == null
        || delete.upperBounds() == null) {
      return true;
    }
    for (int id : delete.equalityFieldIds()) {
      Types.NestedField field = schema.findField(id);
      if (field == null || !field.type().isPrimitiveType()) {
        continue;
      }
      if (mayHoldNull(data, id) && mayHoldNull(delete, id)) {
        continue; // a deleted null key matches a null
      }
      ByteBuffer dataLower = data.lowerBounds().get(id);
      ByteBuffer dataUpper = data.upperBounds().get(id);
      ByteBuffer deleteLower = delete.lowerBounds().get(id);
      ByteBuffer deleteUpper = delete.upperBounds().get(id);
      if (dataLower == null || dataUpper == null || deleteLower == null || deleteUpper == null) {
        continue;
      }
      Type.PrimitiveType type = field.type().asPrimitiveType();
      Comparator<Object> order = Comparators.forType(type);
      if (order.compare(from(type, dataUpper), from(type, deleteLower)) < 0
          || order.compare(from(type, deleteUpper), from(type, dataLower)) < 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean isNaN(Object value) {
    return (value instanceof Double d && d.isNaN()) || (value instanceof Float f && f.isNaN());
  }

  private static boolean mayHoldNull(ContentFile<?> file, int id) {
    Long nulls = file.nullValueCounts() == null ? null : file.nullValueCounts().get(id);
    return nulls == null || nulls > 0;
  }

  private static Object from(Type.PrimitiveType type, ByteBuffer bound) {
    return Conversions.fromByteBuffer(type, bound.duplicate());
  }

  private static Map<Integer, ManifestEvaluator> evaluators(Scope scope) {
    return evaluators(scope.specs, scope.partitions);
  }

  /**
   * Per spec, an evaluator that accepts a manifest whose partition summaries may hold one of the
   * partitions; a spec with none of them gets none, so its manifests are skipped.
   */
  private static Map<Integer, ManifestEvaluator> evaluators(
      Map<Integer, PartitionSpec> specs, PartitionMap<Boolean> partitions) {
    Map<Integer, List<StructLike>> bySpec = new HashMap<>();
    partitions
        .keySet()
        .forEach(k -> bySpec.computeIfAbsent(k.first(), id -> new ArrayList<>()).add(k.second()));
    Map<Integer, Expression> filters = new HashMap<>();
    bySpec.forEach(
        (specId, values) -> {
          PartitionSpec spec = specs.get(specId);
          if (values.size() > MAX_PRUNED_PARTITIONS) {
            // Too many to test one by one: every manifest of the spec is read.
            filters.put(specId, Expressions.alwaysTrue());
            return;
          }
          List<Expression> each = new ArrayList<>();
          values.forEach(v -> each.add(equalTo(spec, v)));
          filters.put(specId, balancedOr(each, 0, each.size()));
        });
    Map<Integer, ManifestEvaluator> evaluators = new HashMap<>();
    filters.forEach(
        (specId, filter) ->
            evaluators.put(
                specId, ManifestEvaluator.forPartitionFilter(filter, specs.get(specId), true)));
    return evaluators;
  }

  private static boolean mayHold(
      Map<Integer, ManifestEvaluator> evaluators, ManifestFile manifest) {
    ManifestEvaluator evaluator = evaluators.get(manifest.partitionSpecId());
    return evaluator != null && evaluator.eval(manifest);
  }

  /** An OR of {@code each[from, to)} as a balanced tree, so that thousands stay shallow. */
  private static Expression balancedOr(List<Expression> each, int from, int to) {
    if (to - from == 1) {
      return each.get(from);
    }
    int mid = (from + to) >>> 1;
    return Expressions.or(balancedOr(each, from, mid), balancedOr(each, mid, to));
  }

  /** A partition-space filter matching exactly {@code partition} of {@code spec}. */
  private static Expression equalTo(PartitionSpec spec, StructLike partition) {
    Expression filter = Expressions.alwaysTrue();
    List<Types.NestedField> fields = spec.partitionType().fields();
    Class<?>[] classes = spec.javaClasses();
    for (int i = 0; i < fields.size(); i++) {
      Object value = partition.get(i, classes[i]);
      String name = fields.get(i).name();
      filter =
          Expressions.and(
              filter,
              value == null
                  ? Expressions.isNull(name)
                  : isNaN(value) ? Expressions.isNaN(name) : Expressions.equal(name, value));
    }
    return filter;
  }
}
