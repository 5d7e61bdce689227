package dev.floe.backfill.run;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.BackfillSpec;
import dev.floe.contracts.model.ChunkPlan;
import dev.floe.contracts.model.ChunkState;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * A backfill as its store holds it: a small head (the spec, the totals, one letter per chunk for
 * where it stands, the running chunks by run id, the revision of its last event), and each chunk
 * under a key of its own, read only when a rule needs it. A change to one chunk rewrites that chunk
 * and the head, never the whole plan, so a backfill of 10,000 chunks costs what a small one does
 * per event.
 *
 * <p>Mutable and not thread-safe: the decision core reads the head from its store, {@linkplain
 * #attach attaches} the chunk store, changes the chunks it reads while it processes one record, and
 * writes back the head and {@linkplain #changed() the chunks it changed}.
 */
public final class BackfillState {
  public String backfillId;
  public long revision;
  public BackfillStatus status;
  public BackfillSpec spec;
  public long records;
  public long dataFiles;
  public long bytes;
  public String requestedBy;
  public Instant createdAt;
  public Instant startedAt;
  public Instant finishedAt;
  public int retries;

  /** How many chunks the plan has. */
  public int chunkCount;

  /** How many of them have arrived: all but while {@link BackfillStatus#PLANNING}. */
  public int planned;

  /**
   * Where each chunk stands, one letter per chunk in run order: {@code p} pending, {@code b}
   * pending and waiting out a retry's back-off, {@code r} running, {@code s} succeeded, {@code w}
   * succeeded and being validated, {@code v} validated, {@code f} failed, {@code i} invalid, {@code
   * c} cancelled. Serialized as one string.
   */
  public char[] codes = new char[0];

  /** The running chunks' indexes, by their run id: how a run's outcome finds its chunk. */
  public Map<String, Integer> running = new HashMap<>();

  /**
   * When each chunk waiting out a retry's back-off ({@code b}) may start, by index: what the rules
   * look at without reading those chunks.
   */
  public Map<Integer, Instant> waiting = new TreeMap<>();

  /** The plan's own id, on each of its inbox records: pages of another plan are not taken. */
  public String planId;

  /** The chunk runs that ended and how long they took in all, for the ETA. */
  public long endedRuns;

  public long endedRunMillis;

  /** When a chunk last started or ended. */
  public Instant lastProgress;

  /**
   * Where a webhook validation is sent. Kept here only, never in an event: it may carry a
   * credential.
   */
  public String validationUrl;

  @JsonIgnore private ChunkReader reader = (id, index) -> null;
  @JsonIgnore private final Map<Integer, Chunk> loaded = new TreeMap<>();
  @JsonIgnore private final java.util.Set<Integer> changed = new java.util.TreeSet<>();

  /** Where a backfill's chunks are read from, by index. */
  @FunctionalInterface
  public interface ChunkReader {
    /** The chunk, or null when the store has none. */
    Chunk read(String backfillId, int index);
  }

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

    @JsonIgnore
    public int index() {
      return plan.index();
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

    /** Its letter in {@link #codes}. */
    char code() {
      return switch (state) {
        case PENDING -> retryAt == null ? 'p' : 'b';
        case RUNNING -> 'r';
        case SUCCEEDED -> validating ? 'w' : 's';
        case VALIDATED -> 'v';
        case FAILED -> 'f';
        case INVALID -> 'i';
        case CANCELLED -> 'c';
      };
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

  /** Reads this backfill's chunks from {@code reader} from now on. */
  public BackfillState attach(ChunkReader reader) {
    this.reader = reader;
    return this;
  }

  /** The chunk at {@code index}, read once and kept until the state is written back. */
  public Chunk chunk(int index) {
    Chunk c = loaded.get(index);
    if (c == null) {
      c = reader.read(backfillId, index);
      if (c == null) {
        throw new IllegalStateException("backfill " + backfillId + " has no chunk " + index);
      }
      loaded.put(index, c);
    }
    return c;
  }

  /** The chunk named {@code chunkId}, or null; reads chunks in order until it finds it. */
  public Chunk chunk(String chunkId) {
    for (int i = 0; i < planned; i++) {
      Chunk c = chunk(i);
      if (c.id().equals(chunkId)) {
        return c;
      }
    }
    return null;
  }

  /**
   * The whole plan in the head, as states written before chunks had keys of their own held it: read
   * into this state's chunks, which the decision core then writes under their own keys.
   */
  @JsonProperty("chunks")
  void legacyChunks(List<Chunk> chunks) {
    chunkCount = chunks.size();
    planned = chunks.size();
    codes = new char[chunkCount];
    for (Chunk c : chunks) {
      add(c);
      for (Instant at : new Instant[] {c.startedAt, c.finishedAt}) {
        if (at != null && (lastProgress == null || at.isAfter(lastProgress))) {
          lastProgress = at;
        }
      }
      if (c.ended() && c.startedAt != null && c.finishedAt != null) {
        endedRuns++;
        endedRunMillis += java.time.Duration.between(c.startedAt, c.finishedAt).toMillis();
      }
    }
  }

  /** A newly planned chunk. */
  void add(Chunk c) {
    loaded.put(c.index(), c);
    sync(c);
  }

  /** The chunks read since the state was read. */
  @JsonIgnore
  public Collection<Chunk> loaded() {
    return loaded.values();
  }

  /** The chunks changed since the state was read: the ones to write back. */
  @JsonIgnore
  public List<Chunk> changed() {
    return changed.stream().map(loaded::get).toList();
  }

  /** Chunk {@code c} changed in a way its letter does not show, such as the job's own run id. */
  public void touched(Chunk c) {
    changed.add(c.index());
  }

  /**
   * Chunk {@code c} moved from {@code from} to its state now: its letter, the running chunks, the
   * ETA's sums and the last progress follow.
   */
  void moved(Chunk c, ChunkState from) {
    if (from == ChunkState.RUNNING && c.startedAt != null && c.finishedAt != null) {
      endedRuns++;
      endedRunMillis += java.time.Duration.between(c.startedAt, c.finishedAt).toMillis();
    }
    Instant at = c.state == ChunkState.RUNNING ? c.startedAt : c.finishedAt;
    if (at != null && (lastProgress == null || at.isAfter(lastProgress))) {
      lastProgress = at;
    }
    sync(c);
  }

  /** Puts the chunk's letter and its place among the running chunks in line with the chunk. */
  void sync(Chunk c) {
    codes[c.index()] = c.code();
    running.values().remove(c.index());
    if (c.state == ChunkState.RUNNING && c.runId != null) {
      running.put(c.runId, c.index());
    }
    if (codes[c.index()] == 'b') {
      waiting.put(c.index(), c.retryAt);
    } else {
      waiting.remove(c.index());
    }
    changed.add(c.index());
  }

  /** Whether chunk {@code index}, pending, may start at {@code now}: no back-off holds it. */
  boolean due(int index, Instant now) {
    Instant at = waiting.get(index);
    return at == null || !at.isAfter(now);
  }

  /** The indexes of the chunks whose letter is one of {@code letters}, in run order. */
  public IntStream indexes(String letters) {
    char[] now = codes;
    return IntStream.range(0, planned).filter(i -> letters.indexOf(now[i]) >= 0);
  }

  /** Whether any chunk's letter is one of {@code letters}. */
  public boolean any(String letters) {
    return indexes(letters).findAny().isPresent();
  }

  /** How many chunks are still to end: pending or running. */
  @JsonIgnore
  public long left() {
    return indexes("pbr").count();
  }

  @JsonIgnore
  public long count(ChunkState state) {
    return indexes(letters(state)).count();
  }

  /** The letters of the chunks in {@code state}. */
  public static String letters(ChunkState state) {
    return switch (state) {
      case PENDING -> "pb";
      case RUNNING -> "r";
      case SUCCEEDED -> "sw";
      case VALIDATED -> "v";
      case FAILED -> "f";
      case INVALID -> "i";
      case CANCELLED -> "c";
    };
  }
}
