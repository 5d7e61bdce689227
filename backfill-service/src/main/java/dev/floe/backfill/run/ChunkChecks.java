package dev.floe.backfill.run;

import dev.floe.contracts.event.BackfillChunkValidated;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.model.ChunkState;
import java.util.List;

/**
 * The validation of chunks whose run succeeded: asked for when the run succeeds, and applied when
 * it answers. A check still running elsewhere leaves its chunk {@code validating}, and the backfill
 * open, until a later look finds its answer.
 */
final class ChunkChecks {
  private final ChunkValidator validator;

  ChunkChecks(ChunkValidator validator) {
    this.validator = validator;
  }

  /** Whether any chunk is waiting for its check. */
  static boolean waiting(BackfillState s) {
    return s.any("w");
  }

  /**
   * Asks for the chunk's validation and applies it.
   *
   * @return whether the chunk changed
   */
  boolean ask(BackfillState s, BackfillState.Chunk c, List<Payload> out) {
    BackfillState.Validation v;
    try {
      v = validator.validate(s, c);
    } catch (ChunkValidator.Pending e) {
      if (c.validating) {
        return false; // still checked: nothing to write
      }
      c.validating = true;
      s.sync(c);
      return true;
    } catch (RuntimeException e) {
      String method = s.spec.validation() == null ? "unknown" : s.spec.validation().method();
      v =
          new BackfillState.Validation(
              ChunkState.INVALID, method, null, null, 0, "validation failed: " + e.getMessage());
    }
    c.validating = false;
    s.sync(c);
    if (v == null) {
      return false;
    }
    c.validation = v;
    out.add(
        new BackfillChunkValidated(
            s.backfillId,
            ++s.revision,
            c.id(),
            c.attempt,
            v.outcome(),
            v.method(),
            v.expected(),
            v.actual(),
            v.tolerance(),
            v.detail()));
    BackfillMachine.move(
        s, c, v.outcome(), v.outcome() == ChunkState.INVALID ? v.detail() : null, out);
    return true;
  }

  /**
   * Applies the checks that have answered since they were asked.
   *
   * @return whether a chunk changed
   */
  boolean applyAnswered(BackfillState s, List<Payload> out) {
    boolean changed = false;
    for (int i : s.indexes("w").toArray()) {
      changed |= ask(s, s.chunk(i), out);
    }
    return changed;
  }
}
