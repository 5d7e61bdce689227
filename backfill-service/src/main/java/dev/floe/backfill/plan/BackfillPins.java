package dev.floe.backfill.plan;

import dev.floe.icdc.RefCommits;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.iceberg.ManageSnapshots;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;

/**
 * A backfill's pins on its source: tags that keep the planned snapshots, and so every file a
 * chunk's states reference, from the source's snapshot expiry until the backfill no longer needs
 * them. A pin only adds or removes a tag; no data file is ever deleted here.
 */
public final class BackfillPins {
  /** The tag on the range's end (the table's snapshot for a whole-table backfill). */
  public static final String PREFIX = "floe-backfill-";

  /** Appended to the tag on the range's start, pinned when the range removed or rewrote rows. */
  public static final String FROM_SUFFIX = ".from";

  private BackfillPins() {}

  /** The tags a backfill may hold on its source. */
  public static List<String> tags(String backfillId) {
    return List.of(PREFIX + backfillId, PREFIX + backfillId + FROM_SUFFIX);
  }

  /**
   * Tags {@code snapshotId} as {@code tag} for {@code retention} from now. Iceberg ages a tag from
   * its snapshot's commit, not from the tag: the age limit adds the snapshot's age.
   */
  public static void pin(Table source, String tag, long snapshotId, Duration retention) {
    source.refresh();
    RefCommits.retrying(
        source,
        () -> {
          if (!source.refs().containsKey(tag)) {
            long age =
                Math.max(
                    0, System.currentTimeMillis() - source.snapshot(snapshotId).timestampMillis());
            source
                .manageSnapshots()
                .createTag(tag, snapshotId)
                .setMaxRefAgeMs(tag, age + retention.toMillis())
                .commit();
          }
        });
  }

  /**
   * Removes the backfill's tags from its source in one metadata commit, so that the source's own
   * snapshot expiry may remove the snapshots once nothing else keeps them.
   *
   * @return how many tags were removed; 0 when it held none
   */
  public static int release(Table source, String backfillId) {
    source.refresh();
    return RefCommits.retrying(
        source,
        () -> {
          List<String> held = tags(backfillId).stream().filter(source.refs()::containsKey).toList();
          if (!held.isEmpty()) {
            ManageSnapshots update = source.manageSnapshots();
            held.forEach(update::removeTag);
            update.commit();
          }
          return held.size();
        });
  }

  /** When the first of the backfill's pins expires; empty when it holds none with an age limit. */
  public static Optional<Instant> expiry(Table source, String backfillId) {
    Optional<Instant> earliest = Optional.empty();
    for (String tag : tags(backfillId)) {
      SnapshotRef ref = source.refs().get(tag);
      Snapshot snapshot = ref == null ? null : source.snapshot(ref.snapshotId());
      if (snapshot != null && ref.maxRefAgeMs() != null) {
        Instant at = Instant.ofEpochMilli(snapshot.timestampMillis() + ref.maxRefAgeMs());
        if (earliest.isEmpty() || at.isBefore(earliest.get())) {
          earliest = Optional.of(at);
        }
      }
    }
    return earliest;
  }
}
