package dev.floe.capture.icdc;

import dev.floe.capture.change.ChangeSet;
import dev.floe.icdc.IcdcStates;
import dev.floe.icdc.RangeStates;
import dev.floe.icdc.RefCommits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
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
   * Commits, in one catalog commit, the states of {@code change} that are not empty and not
   * committed yet. When the change's parent has expired, what the parent read is unknown: the
   * states are then the change's own files, data and deletes added, data removed, as before
   * merge-on-read changes were read whole, and a warning says so.
   *
   * <p>When Iceberg would refuse the states for good ({@link IcdcStates#unrepresentable}), neither
   * is committed: an empty snapshot under {@code omittedTag} records the change ({@code summary},
   * high-water marks included) and why, so that capturing it again gives the same answer.
   *
   * @param summary recorded on every snapshot committed: capture id, source range, high-water marks
   * @return why the states were omitted, or null when they are committed
   */
  public static String commitChange(
      Table icdc,
      Table source,
      ChangeSet change,
      String addedTag,
      String removedTag,
      String omittedTag,
      Map<String, String> summary,
      Duration ttl) {
    if (icdc.refs().containsKey(addedTag) || icdc.refs().containsKey(removedTag)) {
      return null; // committed by an earlier attempt
    }
    Optional<String> omittedBefore =
        IcdcStates.summary(icdc, omittedTag).map(s -> s.get(IcdcStates.OMITTED_REASON));
    if (omittedBefore.isPresent()) {
      return omittedBefore.get();
    }
    RangeStates.States states = statesOf(source, change);
    List<DeleteFile> deletes = new ArrayList<>(states.added().deletes());
    deletes.addAll(states.removed().deletes());
    AtomicReference<String> omitted = new AtomicReference<>();
    RefCommits.retrying(
        icdc,
        () -> {
          if (icdc.refs().containsKey(addedTag)
              || icdc.refs().containsKey(removedTag)
              || icdc.refs().containsKey(omittedTag)) {
            return; // committed by an earlier attempt or this one
          }
          long base = IcdcStates.base(icdc);
          Transaction txn = icdc.newTransaction();
          // Decided on the table as this attempt finds it: another writer may have upgraded it.
          Optional<String> refused = IcdcStates.unrepresentable(icdc, deletes);
          omitted.set(refused.orElse(null));
          boolean any;
          if (refused.isPresent()) {
            Map<String, String> marked = new HashMap<>(summary);
            marked.put(IcdcStates.OMITTED_REASON, refused.get());
            IcdcStates.commitMarker(txn, base, omittedTag, marked, ttl);
            any = true;
          } else {
            any = IcdcStates.commitEnd(txn, base, addedTag, states.added(), summary, ttl);
            any |= IcdcStates.commitEnd(txn, base, removedTag, states.removed(), summary, ttl);
          }
          if (any) {
            txn.commitTransaction();
          }
        });
    return omitted.get() != null
        ? omitted.get()
        : IcdcStates.summary(icdc, omittedTag)
            .map(m -> m.get(IcdcStates.OMITTED_REASON))
            .orElse(null);
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
