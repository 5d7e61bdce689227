package dev.floe.contracts.model;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Run ids of backfill chunks: {@code <trigger>.<backfill>.<chunk>.<attempt>}. Deterministic, so a
 * request repeated after a crash names the same run, and a launcher's idempotency key starts it
 * once; the chunk's attempt makes a retry a new run. Trigger-decided runs never contain a dot.
 */
public final class ChunkRuns {
  /** Backfill ids: lower case, digits, {@code -} and {@code _}; no dot. */
  public static final String ID = "[a-z0-9][a-z0-9_-]{0,62}";

  /** Chunk ids: letters, digits and {@code -_=:+}; no dot and no slash. */
  public static final String CHUNK_ID = "[A-Za-z0-9][A-Za-z0-9_=:+-]{0,199}";

  private static final Pattern RUN_ID =
      Pattern.compile(
          "([a-z0-9][a-z0-9_-]{0,99})\\.(" + ID + ")\\.(" + CHUNK_ID + ")\\.([1-9][0-9]{0,5})");

  /** What a chunk run id names. */
  public record ChunkRun(String triggerId, String backfillId, String chunkId, int attempt) {}

  private ChunkRuns() {}

  public static String runId(String triggerId, String backfillId, String chunkId, int attempt) {
    return triggerId + "." + backfillId + "." + chunkId + "." + attempt;
  }

  public static Optional<ChunkRun> parse(String runId) {
    Matcher m = RUN_ID.matcher(runId);
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(
        new ChunkRun(m.group(1), m.group(2), m.group(3), Integer.parseInt(m.group(4))));
  }
}
