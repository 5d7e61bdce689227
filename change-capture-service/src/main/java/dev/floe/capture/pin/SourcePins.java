package dev.floe.capture.pin;

import dev.floe.icdc.RefCommits;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongPredicate;
import org.apache.iceberg.ManageSnapshots;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;

/**
 * Pins source snapshots with Iceberg tags, so that the source's snapshot expiry keeps the files a
 * pending change references. A pin carries a max ref age: the source's own expiry drops it once the
 * TTL has passed, and the capture releases it earlier when its change is consumed. Pins are
 * metadata only; they never add a snapshot to the source.
 */
public final class SourcePins {
  static final String PREFIX = "floe-pin-";

  private SourcePins() {}

  public static String tag(String captureId, long snapshotId) {
    return PREFIX + captureId + "-" + snapshotId;
  }

  /** What one capture asks to pin: snapshots, and how long at most. */
  public record Request(String captureId, Collection<Long> snapshotIds, Duration ttl) {}

  /** Pins the snapshots that exist and are not pinned yet; idempotent. */
  public static void pin(
      Table source, String captureId, Collection<Long> snapshotIds, Duration ttl) {
    pin(source, List.of(new Request(captureId, snapshotIds, ttl)));
  }

  /**
   * Pins what every request asks for in one metadata commit, or in none when all is pinned already:
   * each pin is a commit on a table that writers commit to as well, so Floe makes as few as it can.
   */
  public static void pin(Table source, List<Request> requests) {
    RefCommits.retrying(
        source,
        () -> {
          ManageSnapshots update = source.manageSnapshots();
          boolean changed = false;
          for (Request request : requests) {
            for (long id : request.snapshotIds()) {
              String tag = tag(request.captureId(), id);
              if (!source.refs().containsKey(tag) && source.snapshot(id) != null) {
                update.createTag(tag, id).setMaxRefAgeMs(tag, request.ttl().toMillis());
                changed = true;
              }
            }
          }
          if (changed) {
            update.commit();
          }
        });
  }

  /** Releases the capture's pins of the snapshots {@code which} accepts; returns how many. */
  public static int release(Table source, String captureId, LongPredicate which) {
    return RefCommits.retrying(
        source,
        () -> {
          List<String> tags = new ArrayList<>();
          for (Map.Entry<String, SnapshotRef> ref : source.refs().entrySet()) {
            if (ref.getKey().startsWith(PREFIX + captureId + "-")
                && which.test(ref.getValue().snapshotId())) {
              tags.add(ref.getKey());
            }
          }
          if (!tags.isEmpty()) {
            ManageSnapshots update = source.manageSnapshots();
            tags.forEach(update::removeTag);
            update.commit();
          }
          return tags.size();
        });
  }

  /** Releases the capture's pins whose max ref age has passed. */
  public static int releaseExpired(Table source, String captureId, long nowMillis) {
    return release(
        source,
        captureId,
        id -> {
          SnapshotRef ref = source.refs().get(tag(captureId, id));
          Long maxAge = ref == null ? null : ref.maxRefAgeMs();
          return maxAge != null && nowMillis - source.snapshot(id).timestampMillis() > maxAge;
        });
  }

  /**
   * When the first of the capture's pins expires: its snapshot's commit time plus the pin's max ref
   * age. Empty without pins, or when no pin has an age limit.
   */
  public static Optional<Instant> earliestExpiry(Table source, String captureId) {
    long earliest = Long.MAX_VALUE;
    for (Map.Entry<String, SnapshotRef> e : source.refs().entrySet()) {
      SnapshotRef ref = e.getValue();
      Snapshot snapshot = source.snapshot(ref.snapshotId());
      if (e.getKey().startsWith(PREFIX + captureId + "-")
          && ref.maxRefAgeMs() != null
          && snapshot != null) {
        earliest = Math.min(earliest, snapshot.timestampMillis() + ref.maxRefAgeMs());
      }
    }
    return earliest == Long.MAX_VALUE
        ? Optional.empty()
        : Optional.of(Instant.ofEpochMilli(earliest));
  }

  /** The snapshots the capture pins now. */
  public static List<Long> pinned(Table source, String captureId) {
    List<Long> ids = new ArrayList<>();
    source
        .refs()
        .forEach(
            (name, ref) -> {
              if (name.startsWith(PREFIX + captureId + "-")) {
                ids.add(ref.snapshotId());
              }
            });
    return ids;
  }
}
