package dev.floe.listener.lineage;

import dev.floe.contracts.event.ListenerCheckpoint;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.event.SnapshotHistoryGap;
import dev.floe.contracts.event.TableDropped;
import dev.floe.contracts.event.TableEvent;
import dev.floe.contracts.event.TableLineageDiverged;
import dev.floe.contracts.event.TableRecreated;
import dev.floe.contracts.event.TableRolledBack;
import dev.floe.contracts.model.BranchPosition;
import dev.floe.contracts.model.InitialPosition;
import dev.floe.contracts.model.TableRef;
import dev.floe.listener.watch.Watch;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;

/**
 * Compares a table's current metadata with the last checkpoint and says what happened since, as
 * events: every new snapshot of each watched branch in lineage order, and an explicit event for
 * each rollback, divergence, drop, re-creation and expired stretch of history. Nothing is skipped
 * silently and nothing is made up: an event only names snapshots the metadata or the checkpoint
 * proves.
 *
 * <p>Stateless and thread-safe.
 */
public final class LineageReader {
  static final String EXPIRED = "expired";

  private LineageReader() {}

  /**
   * @param table the table as the catalog has it now; null when it does not exist
   * @param checkpoint the last checkpoint; null when nothing was ever recorded for the table
   */
  public static PollResult read(
      Watch watch, Table table, ListenerCheckpoint checkpoint, Instant now) {
    TableRef ref = watch.table();
    String key = watch.key();
    if (table == null) {
      if (checkpoint == null || checkpoint.dropped()) {
        return new PollResult(key, List.of(), checkpoint, false, null);
      }
      BranchPosition main = checkpoint.head(SnapshotRef.MAIN_BRANCH);
      TableDropped dropped =
          new TableDropped(
              ref, checkpoint.tableUuid(), main == null ? null : main.snapshotId(), now);
      return new PollResult(
          key,
          List.of(dropped),
          copy(checkpoint, checkpoint.branchHeads(), checkpoint.metadataLocation(), true, now),
          true,
          null);
    }

    String uuid = table.uuid().toString();
    String metadataLocation = metadataLocation(table);
    List<TableEvent> events = new ArrayList<>();
    ListenerCheckpoint base = checkpoint;
    boolean fromEarliest = watch.initialPosition() == InitialPosition.EARLIEST;
    if (checkpoint != null && !checkpoint.tableUuid().equals(uuid)) {
      Snapshot current = table.currentSnapshot();
      events.add(
          new TableRecreated(
              ref,
              checkpoint.tableUuid(),
              uuid,
              current == null ? null : current.snapshotId(),
              metadataLocation,
              now));
      // Every snapshot of the new table is new, whatever the watch's initial position.
      base = null;
      fromEarliest = true;
    }

    Map<String, BranchPosition> heads = new LinkedHashMap<>();
    for (String branch : watch.branches()) {
      BranchPosition last = base == null ? null : base.head(branch);
      Snapshot head = head(table, branch);
      if (head == null) {
        if (last != null) {
          heads.put(branch, last);
        }
        continue;
      }
      BranchReader reader =
          new BranchReader(ref, uuid, branch, table, metadataLocation, now, events);
      if (last == null) {
        reader.initial(head, fromEarliest);
      } else {
        reader.since(last, head);
      }
      heads.put(branch, position(head));
    }

    ListenerCheckpoint next =
        new ListenerCheckpoint(ref, uuid, heads, metadataLocation, false, null, now);
    boolean changed =
        checkpoint == null
            || checkpoint.dropped()
            || checkpoint.lastError() != null
            || !checkpoint.tableUuid().equals(uuid)
            || !checkpoint.branchHeads().equals(next.branchHeads());
    return new PollResult(key, events, changed ? next : checkpoint, changed, null);
  }

  private static Snapshot head(Table table, String branch) {
    if (SnapshotRef.MAIN_BRANCH.equals(branch)) {
      return table.currentSnapshot();
    }
    SnapshotRef ref = table.refs().get(branch);
    return ref == null || !ref.isBranch() ? null : table.snapshot(ref.snapshotId());
  }

  static BranchPosition position(Snapshot snapshot) {
    return new BranchPosition(
        snapshot.snapshotId(),
        snapshot.sequenceNumber(),
        Instant.ofEpochMilli(snapshot.timestampMillis()));
  }

  static String metadataLocation(Table table) {
    return table instanceof HasTableOperations ops
        ? ops.operations().current().metadataFileLocation()
        : table.location();
  }

  static ListenerCheckpoint copy(
      ListenerCheckpoint cp,
      Map<String, BranchPosition> heads,
      String location,
      boolean dropped,
      Instant now) {
    return new ListenerCheckpoint(cp.table(), cp.tableUuid(), heads, location, dropped, null, now);
  }

  /** Reads one branch; appends to the shared event list so that events stay in order. */
  private record BranchReader(
      TableRef ref,
      String uuid,
      String branch,
      Table table,
      String metadataLocation,
      Instant now,
      List<TableEvent> events) {

    /**
     * No position yet: the whole retained lineage, or nothing but a starting point. A branch other
     * than main contributes only its own commits, from where it forked from main.
     */
    void initial(Snapshot head, boolean fromEarliest) {
      if (!fromEarliest) {
        return;
      }
      Set<Long> mainLineage = new HashSet<>();
      Snapshot main = table.currentSnapshot();
      if (!SnapshotRef.MAIN_BRANCH.equals(branch) && main != null) {
        chainFrom(main, null).snapshots().forEach(s -> mainLineage.add(s.snapshotId()));
      }
      publishOldestFirst(chainFrom(head, null, mainLineage).snapshots());
    }

    void since(BranchPosition last, Snapshot head) {
      if (head.snapshotId() == last.snapshotId()) {
        return;
      }
      Chain chain = chainFrom(head, last.snapshotId());
      if (chain.reached()) {
        publishOldestFirst(chain.snapshots());
        return;
      }
      Snapshot lastSnapshot = table.snapshot(last.snapshotId());
      if (lastSnapshot != null) {
        sinceKnown(lastSnapshot, head, chain);
      } else {
        sinceLost(last, head, chain);
      }
    }

    /** The last published snapshot is still in the metadata but not behind the head. */
    private void sinceKnown(Snapshot last, Snapshot head, Chain headChain) {
      Chain lastChain = chainFrom(last, head.snapshotId());
      if (lastChain.reached()) {
        events.add(
            new TableRolledBack(
                ref,
                uuid,
                branch,
                last.snapshotId(),
                head.snapshotId(),
                ids(lastChain.snapshots()),
                metadataLocation,
                now));
        return;
      }
      Set<Long> lastLineage = new HashSet<>(ids(lastChain.snapshots()));
      List<Snapshot> fresh = new ArrayList<>();
      Long common = null;
      for (Snapshot s : headChain.snapshots()) {
        if (lastLineage.contains(s.snapshotId())) {
          common = s.snapshotId();
          break;
        }
        fresh.add(s);
      }
      if (common == null && headChain.missingParent() != null) {
        // What joins the two lineages has expired: all that can be said is that history was lost.
        Snapshot oldest = fresh.get(fresh.size() - 1);
        gap(last.snapshotId(), oldest.snapshotId(), headChain.missingParent());
        publishOldestFirst(fresh);
        return;
      }
      List<Long> abandoned = new ArrayList<>();
      for (Snapshot s : lastChain.snapshots()) {
        if (Objects.equals(s.snapshotId(), common)) {
          break;
        }
        abandoned.add(s.snapshotId());
      }
      diverged(last.snapshotId(), head.snapshotId(), common, abandoned);
      publishOldestFirst(fresh);
    }

    /**
     * The last published snapshot has left the metadata. Snapshots committed after it have higher
     * sequence numbers; what lies below them tells an expired stretch (gap) from a divergence.
     */
    private void sinceLost(BranchPosition last, Snapshot head, Chain chain) {
      List<Snapshot> fresh = new ArrayList<>();
      for (Snapshot s : chain.snapshots()) {
        if (last.sequenceNumber() > 0 && s.sequenceNumber() <= last.sequenceNumber()) {
          break;
        }
        fresh.add(s);
      }
      if (fresh.isEmpty()) {
        // The head itself is older than the last position: the branch was reset to older history.
        diverged(
            last.snapshotId(), head.snapshotId(), head.snapshotId(), List.of(last.snapshotId()));
        return;
      }
      Snapshot oldest = fresh.get(fresh.size() - 1);
      Long parent = oldest.parentId();
      if (parent != null && parent == last.snapshotId()) {
        publishOldestFirst(fresh);
      } else if (parent != null && table.snapshot(parent) == null) {
        gap(last.snapshotId(), oldest.snapshotId(), parent);
        publishOldestFirst(fresh);
      } else {
        diverged(last.snapshotId(), head.snapshotId(), parent, List.of(last.snapshotId()));
        publishOldestFirst(fresh);
      }
    }

    private void gap(long lastPublished, long firstAvailable, Long lastLost) {
      events.add(
          new SnapshotHistoryGap(
              ref,
              uuid,
              branch,
              lastPublished,
              firstAvailable,
              lastLost,
              EXPIRED,
              metadataLocation,
              now));
    }

    private void diverged(
        long previousHead, long newHead, Long commonAncestor, List<Long> abandoned) {
      events.add(
          new TableLineageDiverged(
              ref,
              uuid,
              branch,
              previousHead,
              newHead,
              commonAncestor,
              abandoned,
              metadataLocation,
              now));
    }

    private void publishOldestFirst(List<Snapshot> newestFirst) {
      List<Snapshot> ordered = new ArrayList<>(newestFirst);
      Collections.reverse(ordered);
      for (Snapshot s : ordered) {
        events.add(committed(s));
      }
    }

    private SnapshotCommitted committed(Snapshot s) {
      return new SnapshotCommitted(
          ref,
          uuid,
          branch,
          s.snapshotId(),
          s.parentId(),
          s.sequenceNumber(),
          Instant.ofEpochMilli(s.timestampMillis()),
          s.operation(),
          s.summary(),
          s.schemaId(),
          table.spec().specId(),
          s.manifestListLocation(),
          metadataLocation,
          now,
          Math.max(0, now.toEpochMilli() - s.timestampMillis()));
    }

    /**
     * Walks parents from {@code head}, newest first, until {@code stopAt}, the root, a gap, or a
     * snapshot in {@code boundary}.
     */
    private Chain chainFrom(Snapshot head, Long stopAt, Set<Long> boundary) {
      List<Snapshot> snapshots = new ArrayList<>();
      Snapshot current = head;
      while (current != null) {
        if (stopAt != null && current.snapshotId() == stopAt) {
          return new Chain(snapshots, true, null);
        }
        if (boundary.contains(current.snapshotId())) {
          return new Chain(snapshots, false, null);
        }
        snapshots.add(current);
        Long parent = current.parentId();
        if (parent == null) {
          return new Chain(snapshots, false, null);
        }
        current = table.snapshot(parent);
        if (current == null) {
          return new Chain(snapshots, false, parent);
        }
      }
      return new Chain(snapshots, false, null);
    }

    private Chain chainFrom(Snapshot head, Long stopAt) {
      return chainFrom(head, stopAt, Set.of());
    }

    private static List<Long> ids(List<Snapshot> snapshots) {
      return snapshots.stream().map(Snapshot::snapshotId).toList();
    }
  }

  /**
   * Snapshots walked from a head, newest first.
   *
   * @param reached true when the walk stopped at the snapshot it looked for
   * @param missingParent the parent the walk could not follow because it left the metadata; null
   *     when the walk reached the root or its target
   */
  private record Chain(List<Snapshot> snapshots, boolean reached, Long missingParent) {}
}
