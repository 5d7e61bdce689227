package dev.floe.capture.pin;

import dev.floe.icdc.RefCommits;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongPredicate;
import org.apache.iceberg.HasTableOperations;
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
          // Requests overlap: in a group of changes each asks for its parent, the change before.
          Set<String> added = new HashSet<>();
          for (Request request : requests) {
            for (long id : request.snapshotIds()) {
              String tag = tag(request.captureId(), id);
              if (!source.refs().containsKey(tag)
                  && source.snapshot(id) != null
                  && added.add(tag)) {
                update.createTag(tag, id).setMaxRefAgeMs(tag, request.ttl().toMillis());
              }
            }
          }
          if (!added.isEmpty()) {
            update.commit();
          }
        });
  }

  /** Releases the capture's pins of the snapshots {@code which} accepts; returns how many. */
  public static int release(Table source, String captureId, LongPredicate which) {
    return release(source, Map.of(captureId, which)).getOrDefault(captureId, List.of()).size();
  }

  /**
   * Releases, per capture, the pins of the snapshots its predicate accepts, all in one metadata
   * commit (or none when nothing is released): a commit on a table that writers commit to as well.
   *
   * @return per capture that released any, the snapshots whose pins it released
   */
  public static Map<String, List<Long>> release(Table source, Map<String, LongPredicate> which) {
    return RefCommits.retrying(
        source,
        () -> {
          Map<String, List<Long>> released = new LinkedHashMap<>();
          List<String> tags = new ArrayList<>();
          for (Map.Entry<String, SnapshotRef> ref : source.refs().entrySet()) {
            for (Map.Entry<String, LongPredicate> capture : which.entrySet()) {
              long id = ref.getValue().snapshotId();
              if (ref.getKey().equals(tag(capture.getKey(), id)) && capture.getValue().test(id)) {
                tags.add(ref.getKey());
                released.computeIfAbsent(capture.getKey(), k -> new ArrayList<>()).add(id);
              }
            }
          }
          if (!tags.isEmpty()) {
            ManageSnapshots update = source.manageSnapshots();
            tags.forEach(update::removeTag);
            update.commit();
          }
          return released;
        });
  }

  /** Releases the capture's pins whose max ref age has passed. */
  public static int releaseExpired(Table source, String captureId, long nowMillis) {
    return release(source, captureId, expired(source, captureId, nowMillis));
  }

  /** The capture's pinned snapshots whose pin's max ref age has passed at {@code nowMillis}. */
  public static LongPredicate expired(Table source, String captureId, long nowMillis) {
    return id -> {
      SnapshotRef ref = source.refs().get(tag(captureId, id));
      Snapshot snapshot = source.snapshot(id);
      Long maxAge = ref == null ? null : ref.maxRefAgeMs();
      return maxAge != null && snapshot != null && nowMillis - snapshot.timestampMillis() > maxAge;
    };
  }

  /**
   * The snapshots every reader of a capture has consumed: those older than every snapshot any
   * reader still needs. On a table of format 2 or later, older is a lower sequence number (they
   * grow with every commit); a format-1 table numbers none, and there older is a strict ancestor,
   * along the parents that are still in the metadata (commit times may go back by a minute). None
   * when a reader has not said what it needs yet (an empty list), or needs only snapshots the table
   * no longer has: it may still need any of them. A needed snapshot that is gone while others of
   * the same reader are not was lost to its TTL or by hand; the others still bound the release.
   *
   * @param needs per reader, the snapshots it still needs ({@code CaptureConsumed})
   */
  public static LongPredicate consumed(Table source, Collection<List<Long>> needs) {
    List<Snapshot> needed = new ArrayList<>();
    for (List<Long> reader : needs) {
      List<Snapshot> own = reader.stream().map(source::snapshot).filter(Objects::nonNull).toList();
      if (own.isEmpty()) {
        return id -> false;
      }
      needed.addAll(own);
    }
    if (needed.isEmpty()) {
      return id -> false;
    }
    if (formatVersion(source) >= 2) {
      long floor = needed.stream().mapToLong(Snapshot::sequenceNumber).min().orElseThrow();
      return id -> {
        Snapshot snapshot = source.snapshot(id);
        return snapshot != null && snapshot.sequenceNumber() < floor;
      };
    }
    Set<Long> older = null;
    for (Snapshot snapshot : needed) {
      Set<Long> ancestors = new HashSet<>();
      for (Snapshot s = parent(source, snapshot); s != null; s = parent(source, s)) {
        ancestors.add(s.snapshotId());
      }
      if (older == null) {
        older = ancestors;
      } else {
        older.retainAll(ancestors);
      }
    }
    Set<Long> consumed = older;
    return consumed::contains;
  }

  private static Snapshot parent(Table source, Snapshot snapshot) {
    return snapshot.parentId() == null ? null : source.snapshot(snapshot.parentId());
  }

  private static int formatVersion(Table source) {
    return source instanceof HasTableOperations ops
        ? ops.operations().current().formatVersion()
        : 1;
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
      if (e.getKey().equals(tag(captureId, ref.snapshotId()))
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
              if (name.equals(tag(captureId, ref.snapshotId()))) {
                ids.add(ref.snapshotId());
              }
            });
    return ids;
  }
}
