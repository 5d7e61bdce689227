package dev.floe.capture.rows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.BaseFileScanTask;
import org.apache.iceberg.ContentFile;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpecParser;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SchemaParser;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.expressions.ResidualEvaluator;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;

/**
 * The row-level changes of one snapshot: the rows it inserted and deleted, found by reading only
 * the data files it touched, once as the parent snapshot saw them and once as the snapshot does.
 *
 * <p>A data file is touched when the snapshot added it, removed it, or changed the deletes that
 * apply to it (a position delete, deletion vector or equality delete it added or removed). The
 * touched files' rows at the parent, against their rows at the snapshot, give the change:
 *
 * <ul>
 *   <li>a row at both, identical in every column, is a carry-over (a copy-on-write rewrite, a
 *       compaction) and is dropped, as Spark's changelog view drops it;
 *   <li>the rows left only at the parent are deletes, those only at the snapshot are inserts;
 *   <li>when the table has identifier fields, a delete and an insert with the same identifier are
 *       paired into an update.
 * </ul>
 *
 * <p>Deletes come first, then updates, then inserts, so that a consumer applying them by key ends
 * with the snapshot's rows. A {@code replace} snapshot (compaction) changes no row by Iceberg's
 * contract and is not read. A pure append (no data file removed, no delete file added or removed)
 * plans nothing: its added files have no deletes. Otherwise the snapshot and its parent are
 * planned, which reads their manifests. The touched files' rows are held in memory.
 *
 * <p>Stateless and thread-safe.
 */
public final class RowChanges {
  private RowChanges() {}

  /** The row changes of snapshot {@code snapshotId}, rows projected onto its schema. */
  public static List<RowChange> of(Table table, long snapshotId) {
    Snapshot snapshot = table.snapshot(snapshotId);
    if (snapshot == null) {
      throw new IllegalStateException("snapshot " + snapshotId + " no longer exists");
    }
    if (DataOperations.REPLACE.equals(snapshot.operation())) {
      // Iceberg's contract for replace: files rewritten, the table's rows unchanged. Reading a
      // compaction's files would only find carry-overs.
      return List.of();
    }
    Schema schema = schemaOf(table, snapshot);
    Set<String> added = locations(snapshot.addedDataFiles(table.io()));
    Set<String> removed = locations(snapshot.removedDataFiles(table.io()));
    Set<String> addedDeletes = locations(snapshot.addedDeleteFiles(table.io()));
    Set<String> removedDeletes = locations(snapshot.removedDeleteFiles(table.io()));

    List<Record> after = new ArrayList<>();
    Map<List<Object>, Deque<Record>> before = new LinkedHashMap<>();
    if (removed.isEmpty() && addedDeletes.isEmpty() && removedDeletes.isEmpty()) {
      // A pure append: no delete applies to the files it added.
      for (DataFile file : snapshot.addedDataFiles(table.io())) {
        readInto(table, taskOf(table, file), schema, after);
      }
    } else {
      if (snapshot.parentId() != null && table.snapshot(snapshot.parentId()) == null) {
        throw new IllegalStateException(
            "the parent " + snapshot.parentId() + " of snapshot " + snapshotId + " has expired");
      }
      List<FileScanTask> atSnapshot = plan(table, snapshotId);
      List<FileScanTask> atParent =
          snapshot.parentId() == null ? List.of() : plan(table, snapshot.parentId());
      Set<String> touched = new HashSet<>();
      touched.addAll(withDeletes(atSnapshot, addedDeletes));
      touched.addAll(withDeletes(atParent, removedDeletes));
      for (FileScanTask task : atSnapshot) {
        String location = task.file().location();
        if (added.contains(location) || touched.contains(location)) {
          readInto(table, task, schema, after);
        }
      }
      List<Record> parentRows = new ArrayList<>();
      for (FileScanTask task : atParent) {
        String location = task.file().location();
        if (removed.contains(location) || touched.contains(location)) {
          readInto(table, task, schema, parentRows);
        }
      }
      parentRows.forEach(
          row -> before.computeIfAbsent(values(row), k -> new ArrayDeque<>()).add(row));
    }
    return diff(table, schema, before, after);
  }

  /** Every row of snapshot {@code snapshotId}, as the reads of an initial snapshot. */
  public static List<RowChange> read(Table table, long snapshotId) {
    Snapshot snapshot = table.snapshot(snapshotId);
    if (snapshot == null) {
      throw new IllegalStateException("snapshot " + snapshotId + " no longer exists");
    }
    Schema schema = schemaOf(table, snapshot);
    List<Record> rows = new ArrayList<>();
    for (FileScanTask task : plan(table, snapshotId)) {
      readInto(table, task, schema, rows);
    }
    return rows.stream().map(RowChange::read).toList();
  }

  private static List<RowChange> diff(
      Table table, Schema schema, Map<List<Object>, Deque<Record>> before, List<Record> after) {
    List<Record> inserted = new ArrayList<>();
    for (Record row : after) {
      Deque<Record> same = before.get(values(row));
      if (same != null && !same.isEmpty()) {
        same.poll(); // carried over unchanged
      } else {
        inserted.add(row);
      }
    }
    List<Record> deleted = new ArrayList<>();
    before.values().forEach(deleted::addAll);

    List<RowChange> deletes = new ArrayList<>();
    List<RowChange> updates = new ArrayList<>();
    List<RowChange> creates = new ArrayList<>();
    List<String> key = keyNames(schema);
    if (key.isEmpty()) {
      deleted.forEach(row -> deletes.add(RowChange.delete(row)));
      inserted.forEach(row -> creates.add(RowChange.create(row)));
    } else {
      Map<List<Object>, Deque<Record>> deletedByKey = new HashMap<>();
      for (Record row : deleted) {
        deletedByKey.computeIfAbsent(key(row, key), k -> new ArrayDeque<>()).add(row);
      }
      for (Record row : inserted) {
        Deque<Record> old = deletedByKey.get(key(row, key));
        if (old != null && !old.isEmpty()) {
          updates.add(RowChange.update(old.poll(), row));
        } else {
          creates.add(RowChange.create(row));
        }
      }
      deletedByKey
          .values()
          .forEach(rows -> rows.forEach(row -> deletes.add(RowChange.delete(row))));
    }
    List<RowChange> changes = new ArrayList<>(deletes.size() + updates.size() + creates.size());
    changes.addAll(deletes);
    changes.addAll(updates);
    changes.addAll(creates);
    return changes;
  }

  /** The schema the snapshot was written with, or the table's when it is not recorded. */
  static Schema schemaOf(Table table, Snapshot snapshot) {
    Integer id = snapshot.schemaId();
    Schema schema = id == null ? null : table.schemas().get(id);
    return schema == null ? table.schema() : schema;
  }

  /**
   * The identifier field names in schema order; none when the table has no identifier fields, or
   * when one is nested in a struct, which the row key does not carry: such a table's changes are
   * keyless and never paired into updates.
   */
  static List<String> keyNames(Schema schema) {
    List<String> names = new ArrayList<>();
    for (Types.NestedField field : schema.columns()) {
      if (schema.identifierFieldIds().contains(field.fieldId())) {
        names.add(field.name());
      }
    }
    return names.size() == schema.identifierFieldIds().size() ? names : List.of();
  }

  private static List<Object> key(Record row, List<String> names) {
    List<Object> key = new ArrayList<>(names.size());
    names.forEach(name -> key.add(row.getField(name)));
    return key;
  }

  private static List<Object> values(Record row) {
    List<Object> values = new ArrayList<>(row.size());
    for (int i = 0; i < row.size(); i++) {
      values.add(row.get(i));
    }
    return values;
  }

  private static List<FileScanTask> plan(Table table, long snapshotId) {
    List<FileScanTask> tasks = new ArrayList<>();
    try (CloseableIterable<FileScanTask> planned =
        table.newScan().useSnapshot(snapshotId).ignoreResiduals().planFiles()) {
      planned.forEach(tasks::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return tasks;
  }

  /** A task for a file that no delete applies to. */
  private static FileScanTask taskOf(Table table, DataFile file) {
    return new BaseFileScanTask(
        file,
        new DeleteFile[0],
        SchemaParser.toJson(table.schema()),
        PartitionSpecParser.toJson(table.specs().get(file.specId())),
        ResidualEvaluator.unpartitioned(Expressions.alwaysTrue()));
  }

  private static Set<String> withDeletes(List<FileScanTask> tasks, Set<String> deletes) {
    Set<String> files = new HashSet<>();
    if (deletes.isEmpty()) {
      return files;
    }
    for (FileScanTask task : tasks) {
      for (DeleteFile delete : task.deletes()) {
        if (deletes.contains(delete.location())) {
          files.add(task.file().location());
          break;
        }
      }
    }
    return files;
  }

  private static void readInto(Table table, FileScanTask task, Schema schema, List<Record> rows) {
    try (CloseableIterable<Record> records = FileRows.read(table, task, schema)) {
      records.forEach(rows::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static <F extends ContentFile<F>> Set<String> locations(Iterable<F> files) {
    Set<String> locations = new HashSet<>();
    files.forEach(f -> locations.add(f.location()));
    return locations;
  }
}
