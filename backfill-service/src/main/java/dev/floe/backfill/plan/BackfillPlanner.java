package dev.floe.backfill.plan;

import dev.floe.contracts.model.BackfillSpec;
import dev.floe.contracts.model.ChunkPlan;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.TableRefs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.types.Types;
import org.jboss.logging.Logger;

/**
 * Plans a backfill from metadata alone: a filtered scan of the source's manifests, with column
 * statistics and no data file read, cut into chunks; then, unless it is a dry run, a tag that pins
 * the planned source snapshot (and the range's start, when a chunk removed rows) so that expiry
 * can't delete a file a chunk needs, and after it one zero-copy ICDC state per chunk (two for a
 * snapshot range: added and removed; 100 chunks per catalog commit). Thread-safe.
 */
public final class BackfillPlanner {
  /** Suffix of a chunk's removed state's tag; chunk ids cannot hold a dot either. */
  public static final String REMOVED_SUFFIX = ".removed";

  private static final Logger LOG = Logger.getLogger(BackfillPlanner.class);

  private final Supplier<Catalog> catalog;
  private final String icdcNamespace;
  private final Duration retention;
  private final int maxChunks;
  private final ChunkStates states;

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
    this.states = new ChunkStates(retention);
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
    SelectedFiles selected = SelectedFiles.of(source, selection);
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
    if (!dryRun) {
      // Pinned before the states are committed, which takes minutes for a large plan: the
      // source's expiry meanwhile can't remove a file a state will reference. An id planned
      // before is refused first, so its pins are never touched.
      states.requireNew(c, icdcTable(spec.table()), backfillId);
      pin(source, BackfillPins.PREFIX + backfillId, selection.toSnapshotId());
      if (selected.rewrote()) {
        // The removed states read the files live at the range's start.
        pin(
            source,
            BackfillPins.PREFIX + backfillId + BackfillPins.FROM_SUFFIX,
            selection.fromSnapshotId());
      }
    }
    Map<String, IcdcRef[]> refsByChunk =
        dryRun
            ? Map.of()
            : states.commit(
                c, source, spec, icdcTable(spec.table()), selection, backfillId, groups, selected);
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
      IcdcRef[] refs = refsByChunk.getOrDefault(g.chunkId(), new IcdcRef[2]);
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
            r.toTime(),
            r.addedAtSequenceNumber());
    return new BackfillSpec(
        spec.table(),
        spec.captureId(),
        range,
        spec.chunking(),
        spec.triggerId(),
        spec.concurrency(),
        spec.order(),
        spec.propagate(),
        spec.validation(),
        spec.retry());
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

  /** Pins a planned snapshot, so that the source's expiry keeps every file a chunk references. */
  private void pin(Table source, String tag, long snapshotId) {
    try {
      BackfillPins.pin(source, tag, snapshotId, retention);
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
