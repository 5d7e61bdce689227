package dev.floe.stack.sql;

import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/**
 * One state of one table, resolved: the snapshot to read and the schema it is read with, as Spark
 * reads it (a tag or a snapshot id with the schema of its snapshot, a branch or the current state
 * with the table's schema).
 *
 * @param snapshot the snapshot, or null for a table with no snapshot yet (no rows)
 */
record TableState(Table table, Snapshot snapshot, Schema schema) {
  /**
   * The live rows of the state, read with Iceberg's generic reader, which applies position deletes,
   * deletion vectors and equality deletes: a merge-on-read state reads right. The caller closes the
   * iterable.
   */
  CloseableIterable<Record> rows() {
    if (snapshot == null) {
      return CloseableIterable.empty();
    }
    return IcebergGenerics.read(table).useSnapshot(snapshot.snapshotId()).project(schema).build();
  }
}
