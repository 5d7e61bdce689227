package dev.floe.backfill.run;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.floe.contracts.model.BackfillSpec;
import dev.floe.contracts.model.ChunkPlan;
import dev.floe.contracts.model.ChunkState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A backfill as its store holds it: the plan, where each chunk stands, and the revision of its last
 * event. Mutable and not thread-safe: the decision core reads one from its store, changes it while
 * it processes one record, and writes it back.
 */
public final class BackfillState {
  public String backfillId;
  public long revision;
  public BackfillStatus status;
  public BackfillSpec spec;
  public List<Chunk> chunks = new ArrayList<>();
  public long records;
  public long dataFiles;
  public long bytes;
  public String requestedBy;
  public Instant createdAt;
  public Instant startedAt;
  public Instant finishedAt;
  public int retries;

  /**
   * Where a webhook validation is sent. Kept here only, never in an event: it may carry a
   * credential.
   */
  public String validationUrl;

  /** One chunk: its plan and how its runs went. */
  public static final class Chunk {
    public ChunkPlan plan;
    public ChunkState state = ChunkState.PENDING;

    /** The chunk's attempt, counted over the whole backfill: it names the attempt's run. */
    public int attempt = 1;

    /**
     * The attempts since the chunk last started afresh (planned, or run again by an operator's
     * retry), which the backfill's retry policy bounds.
     */
    public int tries = 1;

    /** When a chunk waiting for its automatic retry may start; null when it need not wait. */
    public Instant retryAt;

    public String runId;
    public String externalRunId;
    public Instant startedAt;
    public Instant finishedAt;
    public String error;
    public Validation validation;

    /** True while the chunk's run succeeded and its validation is still being checked. */
    public boolean validating;

    public Chunk() {}

    public Chunk(ChunkPlan plan) {
      this.plan = plan;
    }

    @JsonIgnore
    public String id() {
      return plan.chunkId();
    }

    /** Whether the chunk ended well: it succeeded, and was validated if that was asked for. */
    @JsonIgnore
    public boolean done() {
      return state == ChunkState.SUCCEEDED || state == ChunkState.VALIDATED;
    }

    /** Whether a retry runs it again. */
    @JsonIgnore
    public boolean retryable() {
      return state == ChunkState.FAILED
          || state == ChunkState.INVALID
          || state == ChunkState.CANCELLED;
    }

    /** Whether a pending chunk may start at {@code now}: it is not waiting out a back-off. */
    @JsonIgnore
    public boolean due(Instant now) {
      return retryAt == null || !retryAt.isAfter(now);
    }

    @JsonIgnore
    public boolean ended() {
      return state != ChunkState.PENDING && state != ChunkState.RUNNING;
    }
  }

  /**
   * A chunk's validation, with its numbers.
   *
   * @param expected the source chunk's records, from metadata; null for a webhook
   * @param actual the target's records in the chunk's range, from metadata; null for a webhook
   */
  public record Validation(
      ChunkState outcome,
      String method,
      Long expected,
      Long actual,
      double tolerance,
      String detail) {}

  @JsonIgnore
  public long count(ChunkState state) {
    return chunks.stream().filter(c -> c.state == state).count();
  }

  @JsonIgnore
  public Chunk chunk(String chunkId) {
    return chunks.stream().filter(c -> c.id().equals(chunkId)).findFirst().orElse(null);
  }
}
