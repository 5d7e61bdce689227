package dev.floe.capture.icdc;

import dev.floe.capture.change.ChangeSet;
import dev.floe.icdc.IcdcStates;
import dev.floe.icdc.RefCommits;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.Transaction;

/** The ICDC states of one captured change: what it added, and what it removed. */
public final class ChangeStates {
  private ChangeStates() {}

  /**
   * Commits, in one catalog commit, the state of what {@code change} added (data and delete files)
   * and, when it removed data files, the state of those. States already committed are kept.
   *
   * @param summary recorded on every snapshot committed: capture id, source range, high-water marks
   */
  public static void commitChange(
      Table icdc,
      ChangeSet change,
      String addedTag,
      String removedTag,
      Map<String, String> summary,
      Duration ttl) {
    RefCommits.retrying(
        icdc,
        () -> {
          boolean needsAdded = change.adds() && !icdc.refs().containsKey(addedTag);
          boolean needsRemoved = change.removesData() && !icdc.refs().containsKey(removedTag);
          if (!needsAdded && !needsRemoved) {
            return; // both committed before, by an earlier attempt or this one
          }
          long base = IcdcStates.base(icdc);
          Transaction txn = icdc.newTransaction();
          if (needsAdded) {
            IcdcStates.commitState(
                txn,
                base,
                addedTag,
                List.of(new IcdcStates.Step(change.addedData(), change.addedDeletes(), List.of())),
                summary,
                ttl);
          }
          if (needsRemoved) {
            IcdcStates.commitState(
                txn,
                base,
                removedTag,
                List.of(new IcdcStates.Step(change.removedData(), List.of(), List.of())),
                summary,
                ttl);
          }
          txn.commitTransaction();
        });
  }
}
