package dev.floe.backfill.run;

/**
 * Validates a chunk whose run succeeded. Called by the decision core on its thread: it must answer
 * within a bounded time, and turn its own failures into an {@code invalid} result, not throw.
 */
@FunctionalInterface
public interface ChunkValidator {
  /** No validation: a chunk that succeeded stays {@code succeeded}. */
  ChunkValidator NONE = (backfill, chunk) -> null;

  /**
   * @return the result, or null when the backfill asks for no validation
   */
  BackfillState.Validation validate(BackfillState backfill, BackfillState.Chunk chunk);
}
