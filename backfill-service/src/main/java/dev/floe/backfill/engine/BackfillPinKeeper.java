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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.jboss.logging.Logger;

/**
 * Releases a backfill's pins on its source once it completed, and measures when the pins of the
 * others expire. Runs off the decision core's thread: a catalog commit never holds up a
 * transaction.
 *
 * <p>A completed backfill needs its pins no more: every chunk ran and succeeded. A failed or
 * cancelled one may be retried by hand until its retention ends, which is also when its pins
 * expire, so its pins stay. Each completed backfill is checked once per process; a restart checks
 * those the store still holds once more, which finds no tag and commits nothing.
 */
final class BackfillPinKeeper {
  private static final Logger LOG = Logger.getLogger(BackfillPinKeeper.class);

  private final Supplier<Catalog> catalog;
  private final BackfillMetrics metrics;
  private final Duration measureEvery;
  private final Set<String> released = ConcurrentHashMap.newKeySet();
  private Instant measured = Instant.MIN;

  BackfillPinKeeper(Supplier<Catalog> catalog, BackfillMetrics metrics, Duration measureEvery) {
    this.catalog = catalog;
    this.metrics = metrics;
    this.measureEvery = measureEvery;
  }

  /** One pass over the backfills this instance holds. Called from one thread. */
  void pass(List<BackfillState> held, Instant now) {
    for (BackfillState s : held) {
      if (s.status == BackfillStatus.COMPLETED && !released.contains(s.backfillId)) {
        release(s);
      }
    }
    if (!now.isBefore(measured.plus(measureEvery))) {
      measured = now;
      measure(held);
    }
  }

  private void release(BackfillState s) {
    try {
      int tags = BackfillPins.release(source(s), s.backfillId);
      released.add(s.backfillId);
      if (tags > 0) {
        metrics.pinsReleased(tags);
        LOG.infof(
            "backfill %s completed: released its %d pin(s) on %s",
            s.backfillId, tags, s.spec.table());
      }
    } catch (RuntimeException e) {
      // The next pass tries again; until then the pins only keep snapshots a little longer.
      LOG.warnf(
          "backfill %s: could not release its pins on %s yet: %s",
          s.backfillId, s.spec.table(), e.toString());
    }
  }

  private void measure(List<BackfillState> held) {
    Map<Tags, Instant> expiries = new HashMap<>();
    for (BackfillState s : held) {
      if (s.status == BackfillStatus.COMPLETED) {
        continue;
      }
      try {
        BackfillPins.expiry(source(s), s.backfillId)
            .ifPresent(
                at ->
                    expiries.put(
                        Tags.of("backfill", s.backfillId, "table", s.spec.table().toString()), at));
      } catch (RuntimeException e) {
        LOG.debugf("backfill %s: pins not measured: %s", s.backfillId, e.toString());
      }
    }
    metrics.pinExpiries(expiries);
  }

  private Table source(BackfillState s) {
    return catalog.get().loadTable(TableRefs.identifier(s.spec.table()));
  }
}
