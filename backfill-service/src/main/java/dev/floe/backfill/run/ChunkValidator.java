package dev.floe.backfill.run;

/**
 * Validates a chunk whose run succeeded. Called by the decision core on its thread: it answers at
 * once, with the result or {@link Pending} while the check runs elsewhere (looked at again
 * shortly), and turns its own failures into an {@code invalid} result.
 */
@FunctionalInterface
public interface ChunkValidator {
  /** No validation: a chunk that succeeded stays {@code succeeded}. */
  ChunkValidator NONE = (backfill, chunk) -> null;

  /**
   * @return the result, or null when the backfill asks for no validation
   */
  BackfillState.Validation validate(BackfillState backfill, BackfillState.Chunk chunk);

  /** The check is running on another thread: the chunk waits, and is asked about again. */
  final class Pending extends RuntimeException {
    public Pending(String message) {
      super(message, null, false, false);
    }
  }
}
