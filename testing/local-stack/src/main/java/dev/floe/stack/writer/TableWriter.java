package dev.floe.stack.writer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.ExpireSnapshots;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.UpdatePartitionSpec;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.io.CloseableIterable;

/**
 * Commits real changes to real Iceberg tables, as Spark or Flink would: Parquet data files with
 * real column statistics, file-level overwrites and deletes, merge-on-read position and equality
 * deletes, compaction, rollback, and schema and partition-spec evolution. Every service's tests and
 * the demo use it.
 *
 * <p>Each method commits once and returns the snapshot it produced. Not thread-safe per table:
 * Iceberg's optimistic concurrency makes concurrent commits to one table retry or fail.
 */
public final class TableWriter {
  /** Tables are created in format version 2, whose delete files every engine reads. */
  public static final String FORMAT_VERSION = "2";

  private final Catalog catalog;

  public TableWriter(Catalog catalog) {
    this.catalog = catalog;
  }

  public Catalog catalog() {
    return catalog;
  }

  /** Creates the table, and its namespace if needed; loads it if it exists already. */
  public Table createOrLoad(TableIdentifier id, Schema schema, PartitionSpec spec) {
    ensureNamespace(id.namespace());
    if (catalog.tableExists(id)) {
      return catalog.loadTable(id);
    }
    try {
      return catalog
          .buildTable(id, schema)
          .withPartitionSpec(spec)
          .withProperty(TableProperties.FORMAT_VERSION, FORMAT_VERSION)
          .withProperty(TableProperties.DELETE_MODE, "merge-on-read")
          .withProperty(TableProperties.UPDATE_MODE, "merge-on-read")
          .create();
    } catch (AlreadyExistsException raced) {
      return catalog.loadTable(id);
    }
  }

  private void ensureNamespace(Namespace namespace) {
    if (catalog instanceof SupportsNamespaces namespaces
        && !namespaces.namespaceExists(namespace)) {
      try {
        namespaces.createNamespace(namespace);
      } catch (AlreadyExistsException raced) {
        // another writer created it first
      }
    }
  }

  /** A new record of the table's current schema with the given field values. */
  public static Record record(Table table, Map<String, ?> values) {
    GenericRecord record = GenericRecord.create(table.schema());
    values.forEach(record::setField);
    return record;
  }

  /**
   * One {@code append} snapshot per batch, in order, all committed to the catalog at once (one
   * Iceberg transaction): a long history is written in seconds, not one catalog commit per
   * snapshot.
   *
   * @return the new snapshots, oldest first
   */
  public List<Snapshot> appendEach(Table table, List<? extends Collection<Record>> batches) {
    Transaction txn = table.newTransaction();
    for (Collection<Record> batch : batches) {
      AppendFiles append = txn.newAppend();
      writeDataFiles(table, batch).forEach(append::appendFile);
      append.commit();
    }
    txn.commitTransaction();
    table.refresh();
    LinkedList<Snapshot> added = new LinkedList<>();
    for (Snapshot s = table.currentSnapshot(); added.size() < batches.size(); ) {
      added.addFirst(s);
      s = s.parentId() == null ? null : table.snapshot(s.parentId());
    }
    return List.copyOf(added);
  }

  /** Appends the records, one Parquet file per partition: an {@code append} snapshot. */
  public Snapshot append(Table table, Collection<Record> records) {
    var append = table.newAppend();
    writeDataFiles(table, records).forEach(append::appendFile);
    append.commit();
    return table.currentSnapshot();
  }

  /**
   * Replaces every data file whose rows all match {@code filter} with new files holding {@code
   * records}: an {@code overwrite} snapshot, such as a partition overwrite.
   */
  public Snapshot overwrite(Table table, Expression filter, Collection<Record> records) {
    var overwrite = table.newOverwrite().overwriteByRowFilter(filter);
    writeDataFiles(table, records).forEach(overwrite::addFile);
    overwrite.commit();
    return table.currentSnapshot();
  }

  /** Removes every data file whose rows all match {@code filter}: a {@code delete} snapshot. */
  public Snapshot deleteFiles(Table table, Expression filter) {
    table.newDelete().deleteFromRowFilter(filter).commit();
    return table.currentSnapshot();
  }

  /**
   * Deletes the rows matching {@code filter} with position delete files (merge-on-read): the data
   * files stay, and a {@code delete} snapshot adds one delete file per affected data file.
   */
  public Snapshot deleteRowsByPosition(Table table, Expression filter) {
    return RowDeletes.byPosition(table, filter);
  }

  /**
   * Deletes the rows matching {@code filter} with deletion vectors, as format version 3 requires:
   * one vector per affected data file, merged with the vector it already had, which the commit
   * replaces. A {@code delete} snapshot.
   */
  public Snapshot deleteRowsByVector(Table table, Expression filter) {
    return RowDeletes.byVector(table, filter);
  }

  /**
   * Deletes every row whose {@code column} equals one of {@code values} with equality delete files
   * (merge-on-read), one per partition that holds such a row: a {@code delete} snapshot.
   */
  public Snapshot deleteRowsByEquality(Table table, String column, Collection<?> values) {
    return RowDeletes.byEquality(table, column, values);
  }

  /**
   * Replaces every live row matching {@code filter} by {@code update} of it, merge-on-read as
   * Spark's {@code UPDATE} writes it: the old rows are deleted by position (format version 2) or by
   * deletion vectors merged with the vector each file had (version 3), and the new versions are
   * written to new data files, in one {@code overwrite} snapshot.
   */
  public Snapshot updateRows(Table table, Expression filter, UnaryOperator<Record> update) {
    return RowUpdates.update(table, filter, update);
  }

  /**
   * Upserts {@code rows} by {@code column} as a Flink upsert writes them: one snapshot with the new
   * rows' data files and, in each partition holding a live row of one of their keys, an equality
   * delete of those keys. The deletes share the new files' sequence number, so they delete only the
   * older rows.
   */
  public Snapshot upsert(Table table, String column, Collection<Record> rows) {
    return RowUpdates.upsert(table, column, rows);
  }

  /**
   * Rewrites every live data file, with its deletes applied, into one file per partition of the
   * current spec, and drops the delete files: a {@code replace} snapshot with no logical change. A
   * table with no live data file is left as it is.
   */
  public Snapshot compact(Table table) {
    Snapshot before = table.currentSnapshot();
    if (before == null) {
      return null;
    }
    List<Record> rows = new ArrayList<>();
    try (CloseableIterable<Record> live = IcebergGenerics.read(table).build()) {
      live.forEach(row -> rows.add(row.copy()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    RewriteFiles rewrite = table.newRewrite().validateFromSnapshot(before.snapshotId());
    Map<String, DeleteFile> deletes = new LinkedHashMap<>();
    int live = 0;
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        rewrite.deleteFile(task.file());
        task.deletes().forEach(d -> deletes.putIfAbsent(d.location(), d));
        live++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (live == 0) {
      // Nothing to compact: no commit, as a compaction job would do.
      return before;
    }
    deletes.values().forEach(rewrite::deleteFile);
    writeDataFiles(table, rows).forEach(rewrite::addFile);
    rewrite.commit();
    return table.currentSnapshot();
  }

  /** Moves the main branch back to {@code snapshotId}, an ancestor of the current snapshot. */
  public Snapshot rollbackTo(Table table, long snapshotId) {
    table.manageSnapshots().rollbackTo(snapshotId).commit();
    return table.currentSnapshot();
  }

  /**
   * In one metadata commit, moves the main branch back to {@code ancestorId} and appends {@code
   * records} on top of it: the lineage diverges from what readers saw last.
   */
  public Snapshot rollbackAndAppend(Table table, long ancestorId, Collection<Record> records) {
    Transaction txn = table.newTransaction();
    txn.manageSnapshots().rollbackTo(ancestorId).commit();
    AppendFiles append = txn.newAppend();
    writeDataFiles(table, records).forEach(append::appendFile);
    append.commit();
    txn.commitTransaction();
    return table.currentSnapshot();
  }

  /**
   * In one metadata commit, appends each batch as its own snapshot and expires all of them but the
   * last: history that no reader had a chance to see. No file is deleted.
   *
   * @return the ids of the new snapshots, oldest first; all but the last are expired
   */
  public List<Long> appendThenExpire(Table table, List<? extends Collection<Record>> batches) {
    Transaction txn = table.newTransaction();
    List<Long> ids = new ArrayList<>();
    for (Collection<Record> batch : batches) {
      AppendFiles append = txn.newAppend();
      writeDataFiles(table, batch).forEach(append::appendFile);
      append.commit();
      ids.add(txn.table().currentSnapshot().snapshotId());
    }
    ExpireSnapshots expire = txn.expireSnapshots().cleanExpiredFiles(false);
    ids.subList(0, ids.size() - 1).forEach(expire::expireSnapshotId);
    expire.commit();
    txn.commitTransaction();
    return ids;
  }

  /**
   * The table's own snapshot expiry, as a maintenance job would run it: every snapshot but the
   * current one and those a ref keeps goes, in metadata only. No file is deleted.
   */
  public static void expireUnreferenced(Table table) {
    table
        .expireSnapshots()
        .expireOlderThan(System.currentTimeMillis() + 1)
        .retainLast(1)
        .cleanExpiredFiles(false)
        .commit();
    table.refresh();
  }

  /** Appends to {@code branch}, creating it from the main branch's head if it does not exist. */
  public Snapshot appendToBranch(Table table, String branch, Collection<Record> records) {
    if (!table.refs().containsKey(branch)) {
      Snapshot head = table.currentSnapshot();
      table.manageSnapshots().createBranch(branch, head.snapshotId()).commit();
    }
    AppendFiles append = table.newAppend().toBranch(branch);
    writeDataFiles(table, records).forEach(append::appendFile);
    append.commit();
    return table.snapshot(table.refs().get(branch).snapshotId());
  }

  /**
   * Evolves the schema, for example {@code u -> u.addColumn("note", Types.StringType.get())}.
   * Iceberg does not retry a schema update that loses a race, as it does a snapshot; this writer
   * refreshes and retries a few times, as a careful DDL client does next to concurrent committers.
   */
  public Table evolveSchema(Table table, Consumer<UpdateSchema> change) {
    for (int attempt = 1; ; attempt++) {
      UpdateSchema update = table.updateSchema();
      change.accept(update);
      try {
        update.commit();
        return table;
      } catch (CommitFailedException lost) {
        if (attempt == 5) {
          throw lost;
        }
        table.refresh();
      }
    }
  }

  /**
   * Evolves the partition spec, for example {@code u -> u.addField(Expressions.bucket("id", 4))}.
   */
  public Table evolveSpec(Table table, Consumer<UpdatePartitionSpec> change) {
    UpdatePartitionSpec update = table.updateSpec();
    change.accept(update);
    update.commit();
    return table;
  }

  /** Writes the records into one Parquet file per partition of the table's current spec. */
  public List<DataFile> writeDataFiles(Table table, Collection<Record> records) {
    return ParquetFiles.writeDataFiles(table, records);
  }
}
