package dev.floe.backfill.api;

import dev.floe.backfill.run.BackfillState;
import dev.floe.contracts.model.ChunkState;
import dev.floe.problem.ProblemException;

/**
 * Which of a backfill's chunks {@code GET /backfills/{id}} shows: up to {@code limit} of them from
 * index {@code from} on, in run order, only those in one state when asked. A backfill of 10,000
 * chunks is read a page at a time; the view's {@code nextChunk} says where the next page starts.
 *
 * @param letters the chunk letters ({@link BackfillState#codes}) of the state asked for
 */
public record ChunkPage(String letters, int from, int limit) {
  /**
   * The page shown when none is asked for: the status of a large backfill stays a small answer (a
   * page of 1,000 chunks is about ten times the work and the bytes).
   */
  public static final int DEFAULT_LIMIT = 100;

  /** The largest page. */
  public static final int MAX_LIMIT = 10_000;

  /** Every chunk of a backfill, a page of the default size from the start. */
  public static final ChunkPage FIRST = new ChunkPage("pbrswvfic", 0, DEFAULT_LIMIT);

  /**
   * The page of a request's {@code chunkState}, {@code chunkFrom} and {@code chunkLimit}, each
   * optional; a 400 naming the parameter that is wrong.
   */
  public static ChunkPage of(String state, Integer from, Integer limit) {
    if (from != null && from < 0) {
      throw ProblemException.invalidField("chunkFrom", "must be 0 or more");
    }
    if (limit != null && (limit < 1 || limit > MAX_LIMIT)) {
      throw ProblemException.invalidField("chunkLimit", "must be between 1 and " + MAX_LIMIT);
    }
    return new ChunkPage(
        letters(state), from == null ? 0 : from, limit == null ? DEFAULT_LIMIT : limit);
  }

  private static String letters(String state) {
    if (state == null) {
      return FIRST.letters();
    }
    if (state.equals("validating")) {
      return "w";
    }
    for (ChunkState s : ChunkState.values()) {
      if (s.wireName().equals(state)) {
        // A chunk whose check still runs shows as validating, not as succeeded.
        return s == ChunkState.SUCCEEDED ? "s" : BackfillState.letters(s);
      }
    }
    throw ProblemException.invalidField(
        "chunkState",
        "must be one of pending, running, succeeded, validating, validated, failed, invalid,"
            + " cancelled");
  }
}
