package dev.floe.capture.icdc;

import dev.floe.capture.change.ChangeSet;
import dev.floe.icdc.IcdcStates;
import dev.floe.icdc.RangeStates;
import dev.floe.icdc.RefCommits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.Table;
import org.apache.iceberg.Transaction;
import org.jboss.logging.Logger;

/**
 * The ICDC states of one captured change: what it removed, as its parent read it, and what it
 * added, as it reads itself ({@link RangeStates}). A merge-on-read change is in both: the data
 * files whose deletes it changed, with the deletes of each end.
 */
public final class ChangeStates {
  private static final Logger LOG = Logger.getLogger(ChangeStates.class);

  private ChangeStates() {}

  /**
   * One captured change whose states {@link #commitChanges} commits.
   *
   * @param summary recorded on every snapshot committed: capture id, source range, high-water marks
   */
  public record Change(
      ChangeSet change,
      String addedTag,
      String removedTag,
      String omittedTag,
      Map<String, String> summary) {
    boolean committedIn(Table icdc) {
      return icdc.refs().containsKey(addedTag)
          || icdc.refs().containsKey(removedTag)
          || icdc.refs().containsKey(omittedTag);
    }
  }

  /**
   * Commits, in one catalog commit, the states of every change in {@code changes} that are not
   * empty and not committed yet: a backlog of a table's snapshots costs the ICDC table one commit,
   * not one each. Each change keeps its own tags and summary, so capturing any of them again, alone
   * or with others, finds it committed and commits nothing.
   *
   * <p>When a change's parent has expired, what the parent read is unknown: its states are then the
   * change's own files, data and deletes added, data removed, as before merge-on-read changes were
   * read whole, and a warning says so. When Iceberg would refuse a change's states for good ({@link
   * IcdcStates#unrepresentable}), neither is committed: an empty snapshot under its {@code
   * omittedTag} records the change ({@code summary}, high-water marks included) and why, so that
   * capturing it again gives the same answer.
   *
   * @param groupSizeKey where each summary records how many changes the catalog commit holds
   * @return by omitted tag, why the states of a change were omitted; a change whose states are
   *     committed is not in it
   */
  public static Map<String, String> commitChanges(
      Table icdc, Table source, List<Change> changes, Duration ttl, String groupSizeKey) {
    Map<Change, RangeStates.States> todo = new LinkedHashMap<>();
    for (Change c : changes) {
      if (!c.committedIn(icdc)) {
        todo.put(c, statesOf(source, c.change()));
      }
    }
    if (!todo.isEmpty()) {
      RefCommits.retrying(
          icdc,
          () -> {
            long base = IcdcStates.base(icdc);
            Transaction txn = icdc.newTransaction();
            boolean any = false;
            long size = todo.keySet().stream().filter(c -> !c.committedIn(icdc)).count();
            for (Map.Entry<Change, RangeStates.States> e : todo.entrySet()) {
              Change c = e.getKey();
              Map<String, String> summary = new LinkedHashMap<>(c.summary());
              summary.put(groupSizeKey, Long.toString(size));
              c = new Change(c.change(), c.addedTag(), c.removedTag(), c.omittedTag(), summary);
              // Decided on the table as this attempt finds it, this transaction's states included:
              // another writer, or a state before this one, may have upgraded it.
              any |= add(txn, base, c, e.getValue(), ttl);
            }
            if (any) {
              txn.commitTransaction();
            }
          });
    }
    Map<String, String> omitted = new LinkedHashMap<>();
    for (Change c : changes) {
      IcdcStates.summary(icdc, c.omittedTag())
          .map(m -> m.get(IcdcStates.OMITTED_REASON))
          .ifPresent(reason -> omitted.put(c.omittedTag(), reason));
    }
    return omitted;
  }

  /** Adds one change's states to {@code txn}, unless an earlier attempt committed them. */
  private static boolean add(
      Transaction txn, long base, Change c, RangeStates.States states, Duration ttl) {
    if (c.committedIn(txn.table())) {
      return false;
    }
    List<DeleteFile> deletes = new ArrayList<>(states.added().deletes());
    deletes.addAll(states.removed().deletes());
    Optional<String> refused = IcdcStates.unrepresentable(txn.table(), deletes);
    if (refused.isPresent()) {
      Map<String, String> marked = new HashMap<>(c.summary());
      marked.put(IcdcStates.OMITTED_REASON, refused.get());
      IcdcStates.commitMarker(txn, base, c.omittedTag(), marked, ttl);
      return true;
    }
    boolean any = IcdcStates.commitEnd(txn, base, c.addedTag(), states.added(), c.summary(), ttl);
    any |= IcdcStates.commitEnd(txn, base, c.removedTag(), states.removed(), c.summary(), ttl);
    return any;
  }

  private static RangeStates.States statesOf(Table source, ChangeSet change) {
    try {
      return RangeStates.between(source, change.parentSnapshotId(), change.snapshotId());
    } catch (RangeStates.HistoryGone e) {
      LOG.warnf(
          "%s: %s; the states of snapshot %d hold only its own files",
          source.name(), e.getMessage(), change.snapshotId());
      return new RangeStates.States(
          new RangeStates.End(change.removedData(), List.of()),
          new RangeStates.End(change.addedData(), change.addedDeletes()),
          0,
          0,
          false);
    }
  }
}
