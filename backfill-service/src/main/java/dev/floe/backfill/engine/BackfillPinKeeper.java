package dev.floe.backfill.engine;

import dev.floe.backfill.plan.BackfillPins;
import dev.floe.backfill.run.BackfillState;
import dev.floe.backfill.run.BackfillStatus;
import dev.floe.backfill.status.BackfillMetrics;
import dev.floe.icdc.TableRefs;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.jboss.logging.Logger;

/**
 * Releases a backfill's pins on its source once it completed, and measures when the pins of the
 * unfinished ones expire. Runs off the decision core's thread, on one thread: a catalog commit
 * never holds up a transaction.
 *
 * <p>A completed backfill needs its pins no more: every chunk ran and succeeded. Its completion is
 * taken from the store only {@link #SETTLED} after it, so that a transaction that the decision core
 * had not committed yet (a store read sees its writes) can't release pins a redone decision still
 * needs. A failed or cancelled backfill may be retried by hand until its retention ends, which is
 * also about when its pins expire, so its pins stay. Each completed backfill is checked once per
 * process; a restart checks those the store still holds once more, which finds no tag and commits
 * nothing.
 */
final class BackfillPinKeeper {
  /** How long a completion must have stood before its pins go. */
  static final Duration SETTLED = Duration.ofSeconds(10);

  private static final Logger LOG = Logger.getLogger(BackfillPinKeeper.class);

  private final Supplier<Catalog> catalog;
  private final BackfillMetrics metrics;
  private final Duration measureEvery;

  /** Completed backfills whose pins are gone, by id and creation time (an id may be reused). */
  private final Set<String> released = new HashSet<>();

  private Map<Tags, Instant> expiries = Map.of();
  private Instant measured = Instant.MIN;

  /** The unfinished backfills the last measure looked at, by id and creation time. */
  private Set<String> measuredBackfills = Set.of();

  BackfillPinKeeper(Supplier<Catalog> catalog, BackfillMetrics metrics, Duration measureEvery) {
    this.catalog = catalog;
    this.metrics = metrics;
    this.measureEvery = measureEvery;
  }

  /** One pass over every backfill this instance holds, read from a store that could be read. */
  void pass(List<BackfillState> held, Instant now) {
    Set<String> present = new HashSet<>();
    for (BackfillState s : held) {
      present.add(key(s));
      if (s.status == BackfillStatus.COMPLETED
          && s.finishedAt != null
          && !s.finishedAt.plus(SETTLED).isAfter(now)
          && !released.contains(key(s))) {
        release(s);
      }
    }
    // Forgotten backfills leave the set, so that a reused id is released again.
    released.retainAll(present);
    // A backfill started since the last measure is measured at once: its pins exist from its plan.
    boolean started =
        held.stream().anyMatch(s -> !s.status.ended() && !measuredBackfills.contains(key(s)));
    if (started || !now.isBefore(measured.plus(measureEvery))) {
      measured = now;
      measure(held);
    }
  }

  private void release(BackfillState s) {
    try {
      int tags = BackfillPins.release(source(s), s.backfillId);
      released.add(key(s));
      if (tags > 0) {
        metrics.pinsReleased(tags);
        LOG.infof(
            "backfill %s completed: released its %d pin(s) on %s",
            s.backfillId, tags, s.spec.table());
      }
    } catch (NoSuchTableException gone) {
      released.add(key(s)); // a dropped source holds no pin
    } catch (RuntimeException e) {
      // The next pass tries again; until then the pins only keep snapshots a little longer.
      LOG.warnf(
          "backfill %s: could not release its pins on %s yet: %s",
          s.backfillId, s.spec.table(), e.toString());
    }
  }

  /**
   * The pins of backfills that still run chunks (running, paused or cancelling); one whose source
   * can't be read now keeps its last measure.
   */
  private void measure(List<BackfillState> held) {
    Map<Tags, Instant> next = new HashMap<>();
    Set<String> looked = new HashSet<>();
    for (BackfillState s : held) {
      if (s.status.ended()) {
        continue;
      }
      looked.add(key(s));
      Tags tags = Tags.of("backfill", s.backfillId, "table", s.spec.table().toString());
      try {
        BackfillPins.expiry(source(s), s.backfillId).ifPresent(at -> next.put(tags, at));
      } catch (RuntimeException e) {
        LOG.debugf("backfill %s: pins not measured: %s", s.backfillId, e.toString());
        if (expiries.containsKey(tags)) {
          next.put(tags, expiries.get(tags));
        }
      }
    }
    expiries = next;
    measuredBackfills = looked;
    metrics.pinExpiries(next);
  }

  private Table source(BackfillState s) {
    return catalog.get().loadTable(TableRefs.identifier(s.spec.table()));
  }

  private static String key(BackfillState s) {
    return s.backfillId + "@" + s.createdAt;
  }
}
