package dev.floe.stack.test;

import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.model.TableRef;
import java.time.Instant;
import java.util.Map;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;

/**
 * Events as the services publish them, for tests and benchmarks, so that none of them repeats a
 * fifteen-argument constructor.
 */
public final class Events {
  private Events() {}

  /** The {@code SnapshotCommitted} the commit-listener publishes for {@code s} of {@code table}. */
  public static SnapshotCommitted committed(TableRef ref, Table table, Snapshot s) {
    return new SnapshotCommitted(
        ref,
        table.uuid().toString(),
        "main",
        s.snapshotId(),
        s.parentId(),
        s.sequenceNumber(),
        Instant.ofEpochMilli(s.timestampMillis()),
        s.operation(),
        s.summary(),
        s.schemaId(),
        table.spec().specId(),
        s.manifestListLocation(),
        ((HasTableOperations) table).operations().current().metadataFileLocation(),
        Instant.now(),
        Math.max(0, System.currentTimeMillis() - s.timestampMillis()));
  }

  /**
   * A {@code SnapshotCommitted} of an append that no table holds, committed at {@code at}: for
   * tests of what moves events, not of what reads tables. Its parent is {@code snapshotId - 1}.
   */
  public static SnapshotCommitted committed(TableRef ref, long snapshotId, Instant at) {
    return new SnapshotCommitted(
        ref,
        "uuid-of-" + ref,
        "main",
        snapshotId,
        snapshotId - 1,
        snapshotId,
        at,
        "append",
        Map.of(),
        0,
        0,
        "file:///lake/metadata/snap-" + snapshotId + ".avro",
        "file:///lake/metadata/v" + snapshotId + ".metadata.json",
        at,
        0);
  }
}
