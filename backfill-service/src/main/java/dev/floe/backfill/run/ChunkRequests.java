package dev.floe.backfill.run;

import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.model.BackfillTag;
import dev.floe.contracts.model.RunInput;
import dev.floe.contracts.model.SnapshotRange;
import java.util.ArrayList;
import java.util.List;

/** The run a chunk asks for: what a backfill's job is sent for one chunk. Pure. */
final class ChunkRequests {
  private ChunkRequests() {}

  /**
   * The run of a chunk: one input, the chunk's ICDC states (for a snapshot range, added and
   * removed), tagged with the backfill and chunk.
   */
  static RunRequested request(BackfillState s, BackfillState.Chunk c) {
    List<SnapshotRange> snapshots = new ArrayList<>();
    Long planned = s.spec.range().toSnapshotId();
    if (planned != null) {
      snapshots.add(new SnapshotRange(s.spec.range().fromSnapshotId(), planned, null));
    }
    RunInput input =
        new RunInput(
            s.spec.captureId() == null ? s.backfillId : s.spec.captureId(),
            s.spec.table(),
            c.plan.icdc(),
            snapshots,
            List.of(),
            c.plan.records(),
            c.plan.ranges(),
            false,
            c.plan.removedIcdc(),
            null,
            List.of());
    return new RunRequested(
        c.runId,
        s.spec.triggerId(),
        List.of(input),
        c.plan.records(),
        false,
        "backfill",
        new BackfillTag(s.backfillId, c.id(), s.spec.propagate()),
        c.attempt);
  }
}
