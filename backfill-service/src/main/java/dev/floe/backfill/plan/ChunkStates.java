package dev.floe.backfill.plan;

import dev.floe.contracts.model.BackfillSpec;
import dev.floe.contracts.model.BackfillTag;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.IcdcStates;
import dev.floe.icdc.IcdcTables;
import dev.floe.icdc.RangeStates;
import dev.floe.icdc.RefCommits;
import dev.floe.icdc.TableRefs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.catalog.Catalog;

/**
 * Commits the zero-copy ICDC states of a plan's chunks to the source's backfill ICDC table, {@link
 * #BATCH} chunks per commit: each chunk's added state, and for a snapshot range its removed state,
 * each tagged {@link BackfillPlanner#tag}. A plan's states are never replaced: a second plan under
 * the same id is refused, also after a plan that failed between two commits (its states expire
 * unused). Thread-safe.
 */
final class ChunkStates {
  /**
   * The chunks whose states go in one commit: a transaction keeps each of its operations, with the
   * table's metadata as it stood, until it commits. The metadata itself still grows with every
   * state the table holds (all backfills of the source within their retention): planning 10,000
   * chunks needs about 600 MiB of heap, the deployment's.
   */
  static final int BATCH = 100;

  private final Duration retention;

  /**
   * @param retention how long chunk states are kept: a backfill must finish within it
   */
  ChunkStates(Duration retention) {
    this.retention = retention;
  }

  /**
   * The ICDC states of each chunk, in commits of the source's backfill ICDC table: its added state,
   * and for a snapshot range its removed state; by chunk id, {added, removed}, either null when
   * empty.
   */
  Map<String, IcdcRef[]> commit(
      Catalog c,
      Table source,
      BackfillSpec spec,
      TableRef icdcName,
      Selection selection,
      String backfillId,
      List<Chunker.Group> groups,
      SelectedFiles selected) {
    Table icdc =
        IcdcTables.createOrLoad(
            c,
            TableRefs.identifier(icdcName),
            IcdcTables.Owner.backfills(spec.table()),
            spec.table(),
            source,
            source.snapshot(selection.toSnapshotId()));
    requireNew(icdc, backfillId);
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
    for (int from = 0; from < groups.size(); from += BATCH) {
      List<Chunker.Group> batch = groups.subList(from, Math.min(groups.size(), from + BATCH));
      try {
        // Built anew on the refreshed table when another backfill of the source committed first.
        RefCommits.retrying(
            icdc,
            () -> {
              Transaction txn = icdc.newTransaction();
              if (commitChunks(txn, base, backfillId, batch, selection, selected)) {
                txn.commitTransaction();
              }
            });
      } catch (IllegalArgumentException e) {
        // Another request for the same id committed its states first: its tags exist now.
        throw new PlanningException(
            409, "id", "backfill " + backfillId + " is being planned by another request");
      } catch (org.apache.iceberg.exceptions.CommitFailedException e) {
        throw new dev.floe.catalog.CatalogUnavailableException(
            "the ICDC table "
                + icdcName
                + " kept changing under the plan's states; the states committed so far expire"
                + " unused, and the id can't be planned again",
            e);
      }
      icdc.refresh();
    }
    Map<String, IcdcRef[]> refs = new java.util.HashMap<>();
    for (Chunker.Group g : groups) {
      String tag = BackfillPlanner.tag(backfillId, g.chunkId());
      refs.put(
          g.chunkId(),
          new IcdcRef[] {
            IcdcStates.find(icdc, icdcName, tag).orElse(null),
            IcdcStates.find(icdc, icdcName, tag + BackfillPlanner.REMOVED_SUFFIX).orElse(null)
          });
    }
    return refs;
  }

  /** Refuses (409) an id whose states were committed before, if the ICDC table exists yet. */
  void requireNew(Catalog c, TableRef icdcName, String backfillId) {
    org.apache.iceberg.catalog.TableIdentifier id = TableRefs.identifier(icdcName);
    if (c.tableExists(id)) {
      requireNew(c.loadTable(id), backfillId);
    }
  }

  private static void requireNew(Table icdc, String backfillId) {
    String prefix = BackfillPlanner.tag(backfillId, "");
    if (icdc.refs().keySet().stream().anyMatch(t -> t.startsWith(prefix))) {
      // The states of a plan are never replaced: a job may be reading them.
      throw new PlanningException(
          409, "id", "backfill " + backfillId + " was planned before; choose another id");
    }
  }

  /** Adds each chunk's states to {@code txn}; whether any was added. */
  private boolean commitChunks(
      Transaction txn,
      long base,
      String backfillId,
      List<Chunker.Group> groups,
      Selection selection,
      SelectedFiles selected) {
    boolean any = false;
    for (Chunker.Group g : groups) {
      String tag = BackfillPlanner.tag(backfillId, g.chunkId());
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
                txn,
                base,
                tag + BackfillPlanner.REMOVED_SUFFIX,
                end(g, selected, true),
                removedSummary,
                retention);
      }
    }
    return any;
  }

  /** One end of a chunk of a snapshot range: its files read at the start, or at the end. */
  private static RangeStates.End end(Chunker.Group g, SelectedFiles selected, boolean removed) {
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
}
