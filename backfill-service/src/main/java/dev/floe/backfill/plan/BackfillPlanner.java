package dev.floe.backfill.plan;

import dev.floe.contracts.model.BackfillSpec;
import dev.floe.contracts.model.BackfillTag;
import dev.floe.contracts.model.ChunkPlan;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.IcdcStates;
import dev.floe.icdc.IcdcTables;
import dev.floe.icdc.RangeStates;
import dev.floe.icdc.RefCommits;
import dev.floe.icdc.TableRefs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.Table;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.jboss.logging.Logger;

/**
 * Plans a backfill from metadata alone: a filtered scan of the source's manifests, with column
 * statistics and no data file read, cut into chunks; then, unless it is a dry run, one zero-copy
 * ICDC state per chunk (two for a snapshot range: added and removed; all in one catalog commit) and
 * a tag that pins the planned source snapshot (and the range's start, when a chunk removed rows) so
 * that expiry can't delete a file a chunk still needs. Thread-safe.
 */
public final class BackfillPlanner {
  /** Prefix of the tag that pins a backfill's source snapshot. */
  public static final String PIN_PREFIX = "floe-backfill-";

  /**
   * Suffix of the tag that pins the start of a backfill's snapshot range, when it removed rows; ids
   * cannot hold a dot, so no other backfill's pin can take this name.
   */
  public static final String FROM_SUFFIX = ".from";

  /** Suffix of a chunk's removed state's tag; chunk ids cannot hold a dot either. */
  public static final String REMOVED_SUFFIX = ".removed";

  private static final Logger LOG = Logger.getLogger(BackfillPlanner.class);

  private final Supplier<Catalog> catalog;
  private final String icdcNamespace;
  private final Duration retention;
  private final int maxChunks;

  /**
   * A plan: the spec as planned (its range names the snapshot read) and its chunks in run order.
   */
  public record Plan(
      BackfillSpec spec, List<ChunkPlan> chunks, long records, long dataFiles, long bytes) {}

  public BackfillPlanner(
      Supplier<Catalog> catalog, String icdcNamespace, Duration retention, int maxChunks) {
    this.catalog = catalog;
    this.icdcNamespace = icdcNamespace;
    this.retention = retention;
    this.maxChunks = maxChunks;
  }

  /**
   * @param trackedFields fields whose range each chunk reports besides the range and chunking
   *     fields: a capture's tracked fields
   * @throws PlanningException when the request can't be planned, naming the field at fault
   * @throws org.apache.iceberg.exceptions.NoSuchTableException when the source doesn't exist
   */
  public Plan plan(
      String backfillId, BackfillSpec spec, List<String> trackedFields, boolean dryRun) {
    Catalog c = catalog.get();
    Table source = c.loadTable(TableRefs.identifier(spec.table()));
    Selection selection = Selection.of(source, spec.range());
    Selected selected = scan(source, selection);
    if (selected.rewrote()) {
      refuseWhatAChangeCannotTake(spec, selection);
    }
    List<FileScanTask> tasks = selected.tasks();
    if (tasks.isEmpty()) {
      throw new PlanningException(
          "range",
          "selects no data file of " + spec.table() + " at snapshot " + selection.toSnapshotId());
    }
    Types.NestedField sortField = sortField(source, spec);
    List<Chunker.Group> groups =
        Chunker.chunk(
            source,
            tasks,
            spec.chunking(),
            spec.order(),
            rangeFields(source, spec, trackedFields),
            sortField,
            maxChunks);
    BackfillSpec planned = planned(spec, selection);
    Map<String, IcdcRef[]> states =
        dryRun ? Map.of() : commitStates(c, source, spec, selection, backfillId, groups, selected);
    if (!dryRun) {
      pin(source, PIN_PREFIX + backfillId, selection.toSnapshotId());
      if (selected.rewrote()) {
        // The removed states read the files live at the range's start.
        pin(source, PIN_PREFIX + backfillId + FROM_SUFFIX, selection.fromSnapshotId());
      }
    }
    List<ChunkPlan> chunks = new ArrayList<>();
    long records = 0;
    long files = 0;
    long bytes = 0;
    for (int i = 0; i < groups.size(); i++) {
      Chunker.Group g = groups.get(i);
      List<DataFile> added =
          g.tasks().stream()
              .filter(t -> !selected.removed().contains(t))
              .map(FileScanTask::file)
              .toList();
      long addedRecords = added.stream().mapToLong(DataFile::recordCount).sum();
      long addedBytes = added.stream().mapToLong(DataFile::fileSizeInBytes).sum();
      IcdcRef[] refs = states.getOrDefault(g.chunkId(), new IcdcRef[2]);
      chunks.add(
          new ChunkPlan(
              g.chunkId(),
              i,
              g.ranges(),
              g.partition(),
              added.size(),
              addedRecords,
              addedBytes,
              refs[0],
              refs[1]));
      records += addedRecords;
      files += added.size();
      bytes += addedBytes;
    }
    return new Plan(planned, chunks, records, files, bytes);
  }

  /**
   * What a selection takes: scan tasks, each a data file with the delete files that apply to it,
   * and which of them are read at the range's start ({@code removed}, by identity: a file whose
   * deletes changed is taken at both ends); {@code rewrote} when the range, unfiltered, removed or
   * rewrote rows.
   */
  private record Selected(List<FileScanTask> tasks, Set<FileScanTask> removed, boolean rewrote) {}

  /**
   * The files the selection takes. The whole table: its live files at the end snapshot. A snapshot
   * range (S0, Sn]: its two zero-copy states, as for a change or a run ({@link RangeStates}), found
   * from metadata: the files live at Sn that the range added or whose deletes it changed, with
   * their deletes at Sn, and the files live at S0 that it removed or whose deletes it changed, with
   * their deletes at S0; so that, as multisets, {@code rows(Sn) = rows(S0) − removed + added}. Each
   * end is filtered by the selection's filter.
   */
  private static Selected scan(Table source, Selection selection) {
    if (selection.fromSnapshotId() == null) {
      return new Selected(
          tasks(source, selection.toSnapshotId(), selection.filter()), Set.of(), false);
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
    return new Selected(tasks, removed, !states.removed().data().isEmpty());
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

  /** The spec with the snapshots it was planned on, so that the plan can be read again. */
  private static BackfillSpec planned(BackfillSpec spec, Selection selection) {
    BackfillSpec.Range r = spec.range();
    BackfillSpec.Range range =
        new BackfillSpec.Range(
            r.field(),
            r.from(),
            r.to(),
            r.partitionFilter(),
            selection.fromSnapshotId(),
            selection.toSnapshotId(),
            r.fromTime(),
            r.toTime());
    return new BackfillSpec(
        spec.table(),
        spec.captureId(),
        range,
        spec.chunking(),
        spec.triggerId(),
        spec.concurrency(),
        spec.order(),
        spec.propagate(),
        spec.validation());
  }

  private static Types.NestedField sortField(Table source, BackfillSpec spec) {
    String name = spec.chunking().field() != null ? spec.chunking().field() : spec.range().field();
    return name == null ? null : source.schema().findField(name);
  }

  /** The chunking field, the range field, the tracked fields, then the partition sources. */
  private static List<String> rangeFields(
      Table source, BackfillSpec spec, List<String> trackedFields) {
    Set<String> fields = new LinkedHashSet<>();
    if (spec.chunking().field() != null) {
      fields.add(spec.chunking().field());
    }
    if (spec.range().field() != null) {
      fields.add(spec.range().field());
    }
    fields.addAll(trackedFields);
    for (PartitionField p : source.spec().fields()) {
      String name = source.schema().findColumnName(p.sourceId());
      if (name != null) {
        fields.add(name);
      }
    }
    return List.copyOf(fields);
  }

  /**
   * The ICDC states of each chunk, in one commit of the source's backfill ICDC table: its added
   * state, and for a snapshot range its removed state; by chunk id, {added, removed}, either null
   * when empty.
   */
  private Map<String, IcdcRef[]> commitStates(
      Catalog c,
      Table source,
      BackfillSpec spec,
      Selection selection,
      String backfillId,
      List<Chunker.Group> groups,
      Selected selected) {
    TableRef icdcName = icdcTable(spec.table());
    Table icdc =
        IcdcTables.createOrLoad(
            c,
            TableRefs.identifier(icdcName),
            IcdcTables.Owner.backfills(spec.table()),
            spec.table(),
            source,
            source.snapshot(selection.toSnapshotId()));
    String prefix = tag(backfillId, "");
    if (icdc.refs().keySet().stream().anyMatch(t -> t.startsWith(prefix))) {
      // The states of a plan are never replaced: a job may be reading them.
      throw new PlanningException(
          409, "id", "backfill " + backfillId + " was planned before; choose another id");
    }
    List<DeleteFile> deletes = new ArrayList<>();
    for (Chunker.Group g : groups) {
      if (selection.fromSnapshotId() == null) {
        steps(g).forEach(step -> deletes.addAll(step.addDeletes()));
      } else {
        deletes.addAll(end(g, selected, false).deletes());
        deletes.addAll(end(g, selected, true).deletes());
      }
    }
    Optional<String> refused = IcdcStates.unrepresentable(icdc, deletes);
    if (refused.isPresent()) {
      throw new PlanningException(
          selection.fromSnapshotId() == null ? "table" : "range",
          "Iceberg would refuse the chunks' states for good: " + refused.get());
    }
    long base = IcdcStates.base(icdc);
    Transaction txn = icdc.newTransaction();
    boolean any = commitChunks(txn, base, backfillId, groups, selection, selected);
    if (any) {
      try {
        txn.commitTransaction();
      } catch (IllegalArgumentException | org.apache.iceberg.exceptions.CommitFailedException e) {
        // Another request for the same id committed its states first: its tags exist now.
        throw new PlanningException(
            409, "id", "backfill " + backfillId + " is being planned by another request");
      }
      icdc.refresh();
    }
    Map<String, IcdcRef[]> refs = new java.util.HashMap<>();
    for (Chunker.Group g : groups) {
      String tag = tag(backfillId, g.chunkId());
      refs.put(
          g.chunkId(),
          new IcdcRef[] {
            IcdcStates.find(icdc, icdcName, tag).orElse(null),
            IcdcStates.find(icdc, icdcName, tag + REMOVED_SUFFIX).orElse(null)
          });
    }
    return refs;
  }

  /** Adds each chunk's states to {@code txn}; whether any was added. */
  private boolean commitChunks(
      Transaction txn,
      long base,
      String backfillId,
      List<Chunker.Group> groups,
      Selection selection,
      Selected selected) {
    boolean any = false;
    for (Chunker.Group g : groups) {
      String tag = tag(backfillId, g.chunkId());
      Map<String, String> summary =
          Map.of(
              BackfillTag.BACKFILL_ID,
              backfillId,
              BackfillTag.CHUNK_ID,
              g.chunkId(),
              "floe.source-snapshot-id",
              Long.toString(selection.toSnapshotId()));
      if (selection.fromSnapshotId() == null) {
        IcdcStates.commitState(txn, base, tag, steps(g), summary, retention);
        any = true;
      } else {
        // Each end keeps its files' order of data sequence numbers, as a run's states do.
        any |= IcdcStates.commitEnd(txn, base, tag, end(g, selected, false), summary, retention);
        Map<String, String> removedSummary = new java.util.HashMap<>(summary);
        removedSummary.put(
            "floe.source-from-snapshot-id", Long.toString(selection.fromSnapshotId()));
        any |=
            IcdcStates.commitEnd(
                txn, base, tag + REMOVED_SUFFIX, end(g, selected, true), removedSummary, retention);
      }
    }
    return any;
  }

  /**
   * What a snapshot range that removed or rewrote rows cannot be planned with: a row filter, which
   * would keep one end of a rewritten file and not the other (only the whole change of each file
   * adds up); files or records chunking, which could put a file's two ends in two chunks; and a
   * record-count check, which has no count to compare for a chunk of removed rows.
   */
  private static void refuseWhatAChangeCannotTake(BackfillSpec spec, Selection selection) {
    String why = " can't be used with a snapshot range whose change removed or rewrote rows";
    if (spec.range().field() != null) {
      throw new PlanningException("range.field", why + "; backfill the whole change");
    }
    if (spec.range().partitionFilter() != null) {
      throw new PlanningException("range.partitionFilter", why + "; backfill the whole change");
    }
    String strategy = spec.chunking().strategy();
    if (strategy.equals("files") || strategy.equals("records")) {
      throw new PlanningException(
          "chunking.strategy", strategy + " chunking" + why + "; use day, hour or partition");
    }
    if (spec.validation() != null
        && dev.floe.backfill.validate.ChunkValidation.RECORD_COUNT.equals(
            spec.validation().method())) {
      throw new PlanningException(
          "validation.method", "record-count" + why + "; use a webhook check");
    }
  }

  /** One end of a chunk of a snapshot range: its files read at the start, or at the end. */
  private static RangeStates.End end(Chunker.Group g, Selected selected, boolean removed) {
    List<DataFile> data = new ArrayList<>();
    Map<String, DeleteFile> deletes = new java.util.LinkedHashMap<>();
    for (FileScanTask t : g.tasks()) {
      if (selected.removed().contains(t) == removed) {
        data.add(t.file());
        t.deletes().forEach(d -> deletes.putIfAbsent(RangeStates.key(d), d));
      }
    }
    return new RangeStates.End(data, List.copyOf(deletes.values()));
  }

  /**
   * The commits that rebuild a chunk: its files in the order of their data sequence numbers in the
   * source, so that each delete file applies to the same rows as there.
   */
  private static List<IcdcStates.Step> steps(Chunker.Group g) {
    if (g.deletes().isEmpty()) {
      return List.of(new IcdcStates.Step(g.data(), List.of(), List.of()));
    }
    Map<Long, List<DataFile>> data = new TreeMap<>();
    Map<Long, List<DeleteFile>> deletes = new TreeMap<>();
    g.data()
        .forEach(
            f ->
                data.computeIfAbsent(sequence(f.dataSequenceNumber()), k -> new ArrayList<>())
                    .add(f));
    g.deletes()
        .forEach(
            f ->
                deletes
                    .computeIfAbsent(sequence(f.dataSequenceNumber()), k -> new ArrayList<>())
                    .add(f));
    Set<Long> sequences = new java.util.TreeSet<>(data.keySet());
    sequences.addAll(deletes.keySet());
    List<IcdcStates.Step> steps = new ArrayList<>();
    for (long s : sequences) {
      steps.add(
          new IcdcStates.Step(
              data.getOrDefault(s, List.of()), deletes.getOrDefault(s, List.of()), List.of()));
    }
    return steps;
  }

  private static long sequence(Long n) {
    return n == null ? 0 : n;
  }

  /** Pins a planned snapshot, so that the source's expiry keeps every file a chunk references. */
  private void pin(Table source, String tag, long snapshotId) {
    try {
      source.refresh();
      RefCommits.retrying(
          source,
          () -> {
            if (!source.refs().containsKey(tag)) {
              // Iceberg ages a tag from its snapshot's commit, not from the tag: the pin lasts
              // for the retention from now however old the snapshot is.
              long age =
                  Math.max(
                      0,
                      System.currentTimeMillis() - source.snapshot(snapshotId).timestampMillis());
              source
                  .manageSnapshots()
                  .createTag(tag, snapshotId)
                  .setMaxRefAgeMs(tag, age + retention.toMillis())
                  .commit();
            }
          });
    } catch (RuntimeException e) {
      // Not fatal: the chunks are planned; until the next expiry of the source nothing is lost.
      LOG.warnf(
          "backfill pin %s: could not pin snapshot %d of %s: %s",
          tag, snapshotId, source.name(), e.toString());
    }
  }

  public static String tag(String backfillId, String chunkId) {
    return "backfill-" + backfillId + "-" + chunkId;
  }

  /** The ICDC table holding the chunk states of every backfill of {@code source}. */
  public TableRef icdcTable(TableRef source) {
    return new TableRef(
        source.catalog(),
        List.of(icdcNamespace),
        String.join("_", source.namespace()) + "__" + source.name() + "__backfills");
  }
}
