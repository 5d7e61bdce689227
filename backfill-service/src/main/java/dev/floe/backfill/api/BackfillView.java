package dev.floe.backfill.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.floe.backfill.plan.BackfillPlanner;
import dev.floe.backfill.run.BackfillState;
import dev.floe.contracts.model.BackfillSpec;
import dev.floe.contracts.model.ChunkPlan;
import dev.floe.contracts.model.ChunkState;
import dev.floe.contracts.model.FieldRange;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.PartitionRef;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A backfill as {@code GET /backfills/{id}} shows it: its state, progress and ETA, and a page of
 * its chunks, each with its state, counts and validation. The list view leaves the chunks out.
 *
 * @param progress the share of chunks that have ended, in percent
 * @param eta when the last chunk is expected to end, from the mean duration of ended chunk runs and
 *     the concurrency; null until a chunk has ended, or once nothing is left to run
 * @param failedChunks the first {@value #FAILED_SHOWN} chunks that failed or are invalid, by index;
 *     {@code chunkStates} counts them all; absent from the list view. A retry runs them again, and
 *     the cancelled ones
 * @param requestedBy who requested the backfill: the authenticated caller
 * @param chunks the page of chunks asked for ({@link ChunkPage}), in run order
 * @param nextChunk the index to ask the next page from; absent after the last page
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BackfillView(
    String id,
    String state,
    long revision,
    BackfillSpec spec,
    Totals totals,
    Map<String, Integer> chunkStates,
    double progress,
    Instant eta,
    Duration remaining,
    List<String> failedChunks,
    Instant createdAt,
    String requestedBy,
    Instant startedAt,
    Instant finishedAt,
    int retries,
    List<ChunkView> chunks,
    Integer nextChunk) {

  /** How many failed chunks the view names. */
  public static final int FAILED_SHOWN = 100;

  public record Totals(int chunks, long records, long dataFiles, long bytes) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ChunkView(
      String chunkId,
      int index,
      String state,
      int attempt,
      String runId,
      String externalRunId,
      long records,
      long dataFiles,
      long bytes,
      List<FieldRange> ranges,
      PartitionRef partition,
      IcdcRef icdc,
      IcdcRef removedIcdc,
      Instant startedAt,
      Instant finishedAt,
      Long durationMs,
      String error,
      Instant retryAt,
      BackfillState.Validation validation) {}

  /**
   * The view of a backfill, with the chunks of {@code page}, or none when it is null.
   *
   * @param s a backfill whose chunks can be read
   */
  public static BackfillView of(BackfillState s, ChunkPage page, Instant now) {
    Map<String, Integer> byState = new LinkedHashMap<>();
    for (ChunkState state : ChunkState.values()) {
      int n = (int) s.count(state);
      if (n > 0) {
        byState.put(state.wireName(), n);
      }
    }
    int total = s.chunkCount;
    long ended = s.planned - s.left();
    double progress = total == 0 ? 100 : Math.round(1000.0 * ended / total) / 10.0;
    Duration remaining = remaining(s);
    List<String> failed =
        page == null
            ? null
            : s.indexes("fi").limit(FAILED_SHOWN).mapToObj(i -> s.chunk(i).id()).toList();
    List<ChunkView> chunks = null;
    Integer next = null;
    if (page != null) {
      int[] selected =
          s.indexes(page.letters())
              .filter(i -> i >= page.from())
              .limit(page.limit() + 1L)
              .toArray();
      int shown = Math.min(selected.length, page.limit());
      chunks = new java.util.ArrayList<>(shown);
      for (int i = 0; i < shown; i++) {
        chunks.add(chunk(s.chunk(selected[i])));
      }
      next = selected.length > page.limit() ? selected[page.limit()] : null;
    }
    return new BackfillView(
        s.backfillId,
        s.status.wireName(),
        s.revision,
        s.spec,
        new Totals(total, s.records, s.dataFiles, s.bytes),
        byState,
        progress,
        remaining == null ? null : now.plus(remaining),
        remaining,
        failed,
        s.createdAt,
        s.requestedBy,
        s.startedAt,
        s.finishedAt,
        s.retries,
        chunks,
        next);
  }

  /** A dry run's answer: the plan, nothing started. */
  public static BackfillView plan(String id, BackfillPlanner.Plan plan) {
    List<ChunkView> chunks =
        plan.chunks().stream()
            .map(
                c ->
                    chunk(
                        c,
                        ChunkState.PENDING.wireName(),
                        1,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null))
            .toList();
    return new BackfillView(
        id,
        "planned",
        0,
        plan.spec(),
        new Totals(plan.chunks().size(), plan.records(), plan.dataFiles(), plan.bytes()),
        Map.of(ChunkState.PENDING.wireName(), plan.chunks().size()),
        0,
        null,
        null,
        List.of(),
        null,
        null,
        null,
        null,
        0,
        chunks,
        null);
  }

  private static ChunkView chunk(BackfillState.Chunk c) {
    return chunk(
        c.plan,
        // A succeeded chunk whose check still runs: not yet an end the operator can act on.
        c.validating ? "validating" : c.state.wireName(),
        c.attempt,
        c.runId,
        c.externalRunId,
        c.startedAt,
        c.finishedAt,
        c.error,
        c.retryAt,
        c.validation);
  }

  private static ChunkView chunk(
      ChunkPlan p,
      String state,
      int attempt,
      String runId,
      String externalRunId,
      Instant startedAt,
      Instant finishedAt,
      String error,
      Instant retryAt,
      BackfillState.Validation validation) {
    return new ChunkView(
        p.chunkId(),
        p.index(),
        state,
        attempt,
        runId,
        externalRunId,
        p.records(),
        p.dataFiles(),
        p.bytes(),
        p.ranges(),
        p.partition(),
        p.icdc(),
        p.removedIcdc(),
        startedAt,
        finishedAt,
        startedAt != null && finishedAt != null
            ? Duration.between(startedAt, finishedAt).toMillis()
            : null,
        error,
        retryAt,
        validation);
  }

  /** Mean duration of ended chunk runs, times the waves of chunks left at the concurrency. */
  private static Duration remaining(BackfillState s) {
    long left = s.left();
    if (left == 0 || s.status.ended() || s.endedRuns == 0) {
      return null;
    }
    long meanMs = s.endedRunMillis / s.endedRuns;
    long waves = (left + s.spec.concurrency() - 1) / s.spec.concurrency();
    return Duration.ofMillis(meanMs * waves);
  }
}
