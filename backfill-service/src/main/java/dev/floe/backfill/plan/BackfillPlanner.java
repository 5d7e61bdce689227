package dev.floe.backfill.plan;

import dev.floe.contracts.model.BackfillSpec;
import dev.floe.contracts.model.BackfillTag;
import dev.floe.contracts.model.ChunkPlan;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.IcdcStates;
import dev.floe.icdc.IcdcTables;
import dev.floe.icdc.RefCommits;
import dev.floe.icdc.TableRefs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.jboss.logging.Logger;

/**
 * Plans a backfill from metadata alone: a filtered scan of the source's manifests, with column
 * statistics and no data file read, cut into chunks; then, unless it is a dry run, one zero-copy
 * ICDC state per chunk (all in one catalog commit) and a tag that pins the planned source snapshot
 * so that expiry can't delete a file a chunk still needs. Thread-safe.
 */
public final class BackfillPlanner {
  /** Prefix of the tag that pins a backfill's source snapshot. */
  public static final String PIN_PREFIX = "floe-backfill-";

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
    List<FileScanTask> tasks = scan(source, selection);
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
    Map<String, IcdcRef> states =
        dryRun ? Map.of() : commitStates(c, source, spec, selection, backfillId, groups);
    if (!dryRun) {
      pin(source, backfillId, selection.toSnapshotId());
    }
    List<ChunkPlan> chunks = new ArrayList<>();
    long records = 0;
    long files = 0;
    long bytes = 0;
    for (int i = 0; i < groups.size(); i++) {
      Chunker.Group g = groups.get(i);
      chunks.add(
          new ChunkPlan(
              g.chunkId(),
              i,
              g.ranges(),
              g.partition(),
              g.data().size(),
              g.records(),
              g.bytes(),
              states.get(g.chunkId())));
      records += g.records();
      files += g.data().size();
      bytes += g.bytes();
    }
    return new Plan(planned, chunks, records, files, bytes);
  }

  /**
   * The live files the selection takes, as of its end snapshot, with their delete files. An
   * incremental range keeps those of them appended within the range: a file appended and then
   * removed (compacted, overwritten) in the range is not live, and is left out, as the rows it held
   * are elsewhere or gone.
   */
  private static List<FileScanTask> scan(Table source, Selection selection) {
    List<FileScanTask> tasks = new ArrayList<>();
    try (CloseableIterable<FileScanTask> files =
        source
            .newScan()
            .useSnapshot(selection.toSnapshotId())
            .filter(selection.filter())
            .includeColumnStats()
            .planFiles()) {
      files.forEach(tasks::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (selection.fromSnapshotId() == null) {
      return tasks;
    }
    Set<String> appended = new java.util.HashSet<>();
    try (CloseableIterable<FileScanTask> files =
        source
            .newIncrementalAppendScan()
            .fromSnapshotExclusive(selection.fromSnapshotId())
            .toSnapshot(selection.toSnapshotId())
            .filter(selection.filter())
            .planFiles()) {
      files.forEach(t -> appended.add(t.file().location()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    tasks.removeIf(t -> !appended.contains(t.file().location()));
    return tasks;
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

  /** One ICDC state per chunk, in one commit of the source's backfill ICDC table. */
  private Map<String, IcdcRef> commitStates(
      Catalog c,
      Table source,
      BackfillSpec spec,
      Selection selection,
      String backfillId,
      List<Chunker.Group> groups) {
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
    long base = IcdcStates.base(icdc);
    Transaction txn = icdc.newTransaction();
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
      IcdcStates.commitState(txn, base, tag, steps(g), summary, retention);
      any = true;
    }
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
    Map<String, IcdcRef> refs = new java.util.HashMap<>();
    for (Chunker.Group g : groups) {
      String tag = tag(backfillId, g.chunkId());
      refs.put(g.chunkId(), IcdcStates.find(icdc, icdcName, tag).orElseThrow());
    }
    return refs;
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

  /** Pins the planned snapshot, so that the source's expiry keeps every file a chunk references. */
  private void pin(Table source, String backfillId, long snapshotId) {
    String tag = PIN_PREFIX + backfillId;
    try {
      source.refresh();
      RefCommits.retrying(
          source,
          () -> {
            if (!source.refs().containsKey(tag)) {
              source
                  .manageSnapshots()
                  .createTag(tag, snapshotId)
                  .setMaxRefAgeMs(tag, retention.toMillis())
                  .commit();
            }
          });
    } catch (RuntimeException e) {
      // Not fatal: the chunks are planned; until the next expiry of the source nothing is lost.
      LOG.warnf(
          "backfill %s: could not pin snapshot %d of %s: %s",
          backfillId, snapshotId, source.name(), e.toString());
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
