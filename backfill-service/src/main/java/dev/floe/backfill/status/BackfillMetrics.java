package dev.floe.backfill.status;

import dev.floe.backfill.run.BackfillState;
import dev.floe.backfill.run.BackfillStatus;
import dev.floe.backfill.run.BackfillTopology;
import dev.floe.broker.DeadLetters;
import dev.floe.contracts.event.BackfillChunkStateChanged;
import dev.floe.contracts.event.BackfillChunkValidated;
import dev.floe.contracts.event.BackfillPlanned;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.model.ChunkState;
import dev.floe.metrics.ServiceMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The backfill-service's meters, all {@code floe_backfill_*}: backfills and chunks by state, the
 * progress of each open backfill, chunk durations, validation failures, and runs requested; and the
 * service's {@code floe_dlq_records_total}, at zero from the start. Thread-safe.
 */
public final class BackfillMetrics {
  private static final String P = ServiceMetrics.PREFIX + "backfill.";

  private final MeterRegistry registry;
  private final MultiGauge backfills;
  private final MultiGauge chunks;
  private final MultiGauge progress;
  private final MultiGauge lastProgress;
  private final MultiGauge pinExpiry;
  private final Counter pinsReleased;
  private final Counter validationFailures;
  private final Counter runsRequested;
  private final Counter planned;

  public BackfillMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.backfills =
        MultiGauge.builder(P + "backfills")
            .description("Backfills held by this instance, by state")
            .register(registry);
    this.chunks =
        MultiGauge.builder(P + "chunks")
            .description("Chunks of the backfills held by this instance, by state")
            .register(registry);
    this.progress =
        MultiGauge.builder(P + "progress.ratio")
            .description("Share of an open backfill's chunks that have ended, 0 to 1")
            .register(registry);
    this.lastProgress =
        MultiGauge.builder(P + "last.progress.timestamp")
            .description(
                "When a running backfill last started or ended a chunk, in Unix seconds; a stuck"
                    + " backfill stops moving it")
            .baseUnit("seconds")
            .register(registry);
    this.pinExpiry =
        MultiGauge.builder(P + "pin.expiry.timestamp")
            .description(
                "When the first of an unfinished backfill's pins on its source expires, in Unix"
                    + " seconds; set by the pin pass")
            .baseUnit("seconds")
            .register(registry);
    this.pinsReleased =
        Counter.builder(P + "pins.released")
            .description("Pins released from sources once their backfill completed")
            .register(registry);
    this.validationFailures =
        Counter.builder(P + "validation.failures")
            .description("Chunks found invalid by their validation")
            .register(registry);
    this.runsRequested =
        Counter.builder(P + "runs.requested")
            .description("Chunk runs requested, retries included")
            .register(registry);
    this.planned =
        Counter.builder(P + "planned")
            .description("Backfills planned and started")
            .register(registry);
    refresh(List.of());
    DeadLetters.declare(BackfillTopology.DEAD_LETTER_REASONS);
  }

  /**
   * The pins of the unfinished backfills this instance holds, after each pin pass.
   *
   * @param expiries when each one's first pin expires, by backfill id and source table
   */
  public void pinExpiries(Map<Tags, Instant> expiries) {
    pinExpiry.register(
        expiries.entrySet().stream()
            .map(e -> MultiGauge.Row.of(e.getKey(), e.getValue().toEpochMilli() / 1000.0))
            .toList(),
        true);
  }

  public void pinsReleased(int tags) {
    pinsReleased.increment(tags);
  }

  /** Every payload the decision core publishes, with the state it came from. */
  public void published(BackfillState state, Payload payload) {
    if (payload instanceof BackfillPlanned) {
      planned.increment();
    } else if (payload instanceof RunRequested) {
      runsRequested.increment();
    } else if (payload instanceof BackfillChunkValidated v && v.outcome() == ChunkState.INVALID) {
      validationFailures.increment();
    } else if (payload instanceof BackfillChunkStateChanged changed
        && changed.previousState() == ChunkState.RUNNING) {
      BackfillState.Chunk chunk =
          state.loaded().stream()
              .filter(c -> c.id().equals(changed.chunkId()))
              .findFirst()
              .orElse(null);
      if (chunk != null && chunk.startedAt != null && chunk.finishedAt != null) {
        Timer.builder(P + "chunk.duration")
            .description("How long chunk runs took, from request to outcome")
            // A transient failure sends the chunk back to pending for its next attempt.
            .tags(
                "outcome",
                changed.state() == ChunkState.PENDING ? "retried" : changed.state().wireName())
            .register(registry)
            .record(Duration.between(chunk.startedAt, chunk.finishedAt));
      }
    }
  }

  /** Sets the gauges from the backfills this instance holds. */
  public void refresh(Collection<BackfillState> states) {
    Map<BackfillStatus, Integer> byStatus = new EnumMap<>(BackfillStatus.class);
    Map<ChunkState, Integer> byChunk = new EnumMap<>(ChunkState.class);
    for (BackfillStatus s : BackfillStatus.values()) {
      byStatus.put(s, 0);
    }
    for (ChunkState s : ChunkState.values()) {
      byChunk.put(s, 0);
    }
    List<MultiGauge.Row<?>> open = new ArrayList<>();
    List<MultiGauge.Row<?>> moving = new ArrayList<>();
    for (BackfillState b : states) {
      byStatus.merge(b.status, 1, Integer::sum);
      for (ChunkState s : ChunkState.values()) {
        byChunk.merge(s, (int) b.count(s), Integer::sum);
      }
      if (!b.status.ended() && b.chunkCount > 0) {
        double ended = b.planned - b.left();
        open.add(MultiGauge.Row.of(Tags.of("backfill", b.backfillId), ended / b.chunkCount));
      }
      if (b.status == BackfillStatus.RUNNING) {
        Instant last = b.lastProgress != null ? b.lastProgress : b.startedAt;
        if (last != null) {
          moving.add(
              MultiGauge.Row.of(Tags.of("backfill", b.backfillId), last.toEpochMilli() / 1000.0));
        }
      }
    }
    List<MultiGauge.Row<?>> statusRows = new ArrayList<>();
    byStatus.forEach(
        (s, n) -> statusRows.add(MultiGauge.Row.of(Tags.of("state", s.wireName()), n)));
    List<MultiGauge.Row<?>> chunkRows = new ArrayList<>();
    byChunk.forEach((s, n) -> chunkRows.add(MultiGauge.Row.of(Tags.of("state", s.wireName()), n)));
    backfills.register(statusRows, true);
    chunks.register(chunkRows, true);
    progress.register(open, true);
    lastProgress.register(moving, true);
  }
}
