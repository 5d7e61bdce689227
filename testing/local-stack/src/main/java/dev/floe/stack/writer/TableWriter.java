package dev.floe.stack.writer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.ExpireSnapshots;
import org.apache.iceberg.FileContent;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.MetadataColumns;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.RowDelta;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.UpdatePartitionSpec;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.BaseDeleteLoader;
import org.apache.iceberg.data.GenericDeleteFilter;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.deletes.BaseDVFileWriter;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.deletes.PositionDelete;
import org.apache.iceberg.deletes.PositionDeleteWriter;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.expressions.Evaluator;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.TypeUtil;

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
    RowDelta delta = table.newRowDelta();
    int written = 0;
    for (DataFile file : liveDataFiles(table, filter)) {
      List<Long> positions = new ArrayList<>();
      long pos = 0;
      Evaluator matches = new Evaluator(table.schema().asStruct(), filter);
      InternalRecordWrapper wrapper = new InternalRecordWrapper(table.schema().asStruct());
      for (Record row : readFile(table, file)) {
        if (matches.eval(wrapper.wrap(row))) {
          positions.add(pos);
        }
        pos++;
      }
      if (!positions.isEmpty()) {
        delta.addDeletes(writePositionDeletes(table, file, positions));
        written++;
      }
    }
    if (written == 0) {
      return table.currentSnapshot();
    }
    delta.commit();
    return table.currentSnapshot();
  }

  /**
   * Deletes the rows matching {@code filter} with deletion vectors, as format version 3 requires:
   * one vector per affected data file, merged with the vector it already had, which the commit
   * replaces. A {@code delete} snapshot.
   */
  public Snapshot deleteRowsByVector(Table table, Expression filter) {
    Map<String, List<DeleteFile>> previous = new HashMap<>();
    List<DataFile> files = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().filter(filter).planFiles()) {
      for (FileScanTask task : tasks) {
        files.add(task.file());
        previous.put(
            task.file().location(),
            task.deletes().stream()
                .filter(d -> d.content() == FileContent.POSITION_DELETES)
                .toList());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    BaseDVFileWriter vectors = vectorWriter(table, previous);
    Evaluator matches = new Evaluator(table.schema().asStruct(), filter);
    InternalRecordWrapper wrapper = new InternalRecordWrapper(table.schema().asStruct());
    int written = 0;
    try (vectors) {
      for (DataFile file : files) {
        PartitionSpec spec = table.specs().get(file.specId());
        long pos = 0;
        for (Record row : readFile(table, file)) {
          if (matches.eval(wrapper.wrap(row))) {
            vectors.delete(file.location(), pos, spec, file.partition());
            written++;
          }
          pos++;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (written == 0) {
      return table.currentSnapshot();
    }
    // From the snapshot the vectors were merged on: a vector added since would be lost.
    RowDelta delta = table.newRowDelta().validateFromSnapshot(table.currentSnapshot().snapshotId());
    vectors.result().deleteFiles().forEach(delta::addDeletes);
    vectors.result().rewrittenDeleteFiles().forEach(delta::removeDeletes);
    delta.commit();
    return table.currentSnapshot();
  }

  /**
   * A writer of deletion vectors, each merged with the position deletes its data file had ({@code
   * previous}, by data file path), which the commit then replaces.
   */
  private static BaseDVFileWriter vectorWriter(
      Table table, Map<String, List<DeleteFile>> previous) {
    BaseDeleteLoader loader = new BaseDeleteLoader(d -> table.io().newInputFile(d));
    OutputFileFactory outputs =
        OutputFileFactory.builderFor(table, 1, System.nanoTime()).format(FileFormat.PUFFIN).build();
    return new BaseDVFileWriter(
        outputs,
        path -> {
          List<DeleteFile> had = previous.getOrDefault(path, List.of());
          return had.isEmpty() ? null : loader.loadPositionDeletes(had, path);
        });
  }

  /**
   * Deletes every row whose {@code column} equals one of {@code values} with equality delete files
   * (merge-on-read), one per partition that holds such a row: a {@code delete} snapshot.
   */
  public Snapshot deleteRowsByEquality(Table table, String column, Collection<?> values) {
    List<DeleteFile> deletes = equalityDeletes(table, column, values);
    if (deletes.isEmpty()) {
      return table.currentSnapshot();
    }
    RowDelta delta = table.newRowDelta();
    deletes.forEach(delta::addDeletes);
    delta.commit();
    return table.currentSnapshot();
  }

  /** Equality deletes of {@code values}, one per partition holding a live row of one of them. */
  private List<DeleteFile> equalityDeletes(Table table, String column, Collection<?> values) {
    if (values.isEmpty() || table.currentSnapshot() == null) {
      return List.of();
    }
    Expression filter = Expressions.in(column, values.toArray());
    Schema keySchema = table.schema().select(column);
    int fieldId = table.schema().findField(column).fieldId();
    Map<PartitionSlot, List<Record>> keysByPartition = new LinkedHashMap<>();
    Evaluator matches = new Evaluator(table.schema().asStruct(), filter);
    InternalRecordWrapper wrapper = new InternalRecordWrapper(table.schema().asStruct());
    for (DataFile file : liveDataFiles(table, filter)) {
      for (Record row : readFile(table, file)) {
        if (matches.eval(wrapper.wrap(row))) {
          GenericRecord key = GenericRecord.create(keySchema);
          key.setField(column, row.getField(column));
          keysByPartition
              .computeIfAbsent(
                  new PartitionSlot(file.specId(), file.partition()), s -> new ArrayList<>())
              .add(key);
        }
      }
    }
    List<DeleteFile> deletes = new ArrayList<>();
    keysByPartition.forEach(
        (slot, keys) -> deletes.add(writeEqualityDeletes(table, slot, keySchema, fieldId, keys)));
    return deletes;
  }

  /**
   * Replaces every live row matching {@code filter} by {@code update} of it, merge-on-read as
   * Spark's {@code UPDATE} writes it: the old rows are deleted by position (format version 2) or by
   * deletion vectors merged with the vector each file had (version 3), and the new versions are
   * written to new data files, in one {@code overwrite} snapshot.
   */
  public Snapshot updateRows(Table table, Expression filter, UnaryOperator<Record> update) {
    if (table.currentSnapshot() == null) {
      return null;
    }
    Schema schema = table.schema();
    Map<String, List<Long>> positions = new LinkedHashMap<>();
    List<Record> updated = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().filter(filter).planFiles()) {
      for (FileScanTask task : tasks) {
        // The live rows of the file with their positions, as a reader applies its deletes.
        GenericDeleteFilter deletes = new GenericDeleteFilter(table.io(), task, schema, schema);
        Schema read =
            deletes.requiredSchema().findField(MetadataColumns.ROW_POSITION.fieldId()) == null
                ? TypeUtil.join(deletes.requiredSchema(), new Schema(MetadataColumns.ROW_POSITION))
                : deletes.requiredSchema();
        Evaluator matches = new Evaluator(read.asStruct(), filter);
        InternalRecordWrapper wrapper = new InternalRecordWrapper(read.asStruct());
        try (CloseableIterable<Record> rows =
            deletes.filter(
                Parquet.read(table.io().newInputFile(task.file().location()))
                    .project(read)
                    .createReaderFunc(
                        fileSchema -> GenericParquetReaders.buildReader(read, fileSchema))
                    .build())) {
          for (Record row : rows) {
            if (!matches.eval(wrapper.wrap(row))) {
              continue;
            }
            positions
                .computeIfAbsent(task.file().location(), k -> new ArrayList<>())
                .add((Long) row.getField(MetadataColumns.ROW_POSITION.name()));
            GenericRecord copy = GenericRecord.create(schema);
            schema.columns().forEach(c -> copy.setField(c.name(), row.getField(c.name())));
            updated.add(update.apply(copy));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (updated.isEmpty()) {
      return table.currentSnapshot();
    }
    Map<String, DataFile> files = new HashMap<>();
    Map<String, List<DeleteFile>> previous = new HashMap<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        if (positions.containsKey(task.file().location())) {
          files.put(task.file().location(), task.file());
          previous.put(
              task.file().location(),
              task.deletes().stream()
                  .filter(d -> d.content() == FileContent.POSITION_DELETES)
                  .toList());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    RowDelta delta = table.newRowDelta().validateFromSnapshot(table.currentSnapshot().snapshotId());
    if (((HasTableOperations) table).operations().current().formatVersion() >= 3) {
      BaseDVFileWriter vectors = vectorWriter(table, previous);
      try (vectors) {
        positions.forEach(
            (path, at) -> {
              DataFile file = files.get(path);
              at.forEach(
                  pos ->
                      vectors.delete(
                          path, pos, table.specs().get(file.specId()), file.partition()));
            });
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      vectors.result().deleteFiles().forEach(delta::addDeletes);
      vectors.result().rewrittenDeleteFiles().forEach(delta::removeDeletes);
    } else {
      positions.forEach(
          (path, at) -> delta.addDeletes(writePositionDeletes(table, files.get(path), at)));
    }
    writeDataFiles(table, updated).forEach(delta::addRows);
    delta.commit();
    return table.currentSnapshot();
  }

  /**
   * Upserts {@code rows} by {@code column} as a Flink upsert writes them: one snapshot with the new
   * rows' data files and, in each partition holding a live row of one of their keys, an equality
   * delete of those keys. The deletes share the new files' sequence number, so they delete only the
   * older rows.
   */
  public Snapshot upsert(Table table, String column, Collection<Record> rows) {
    List<Object> keys = new ArrayList<>();
    rows.forEach(r -> keys.add(r.getField(column)));
    RowDelta delta = table.newRowDelta();
    equalityDeletes(table, column, keys).forEach(delta::addDeletes);
    writeDataFiles(table, rows).forEach(delta::addRows);
    delta.commit();
    return table.currentSnapshot();
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
    PartitionSpec spec = table.spec();
    Schema schema = table.schema();
    Map<PartitionKey, List<Record>> byPartition = new LinkedHashMap<>();
    PartitionKey key = new PartitionKey(spec, schema);
    InternalRecordWrapper wrapper = new InternalRecordWrapper(schema.asStruct());
    for (Record record : records) {
      key.partition(wrapper.wrap(record));
      byPartition.computeIfAbsent(key.copy(), k -> new ArrayList<>()).add(record);
    }
    List<DataFile> files = new ArrayList<>();
    byPartition.forEach(
        (partition, rows) -> files.add(writeDataFile(table, spec, partition, rows)));
    return files;
  }

  private DataFile writeDataFile(
      Table table, PartitionSpec spec, PartitionKey partition, List<Record> rows) {
    StructLike partitionValue = spec.isUnpartitioned() ? null : partition;
    OutputFile out =
        table
            .io()
            .newOutputFile(
                table.locationProvider().newDataLocation(spec, partitionValue, fileName("data")));
    try {
      DataWriter<Record> writer =
          Parquet.writeData(out)
              .forTable(table)
              .withSpec(spec)
              .withPartition(partitionValue)
              .createWriterFunc(GenericParquetWriter::create)
              .overwrite()
              .build();
      try (writer) {
        rows.forEach(writer::write);
      }
      return writer.toDataFile();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out.location(), e);
    }
  }

  private DeleteFile writePositionDeletes(Table table, DataFile file, List<Long> positions) {
    PartitionSpec spec = table.specs().get(file.specId());
    OutputFile out =
        table
            .io()
            .newOutputFile(
                table
                    .locationProvider()
                    .newDataLocation(spec, file.partition(), fileName("pos-deletes")));
    try {
      PositionDeleteWriter<Record> writer =
          // Not forTable(): it sets a row schema, and position deletes carry no row data.
          Parquet.writeDeletes(out)
              .setAll(table.properties())
              .metricsConfig(MetricsConfig.forPositionDelete())
              .withSpec(spec)
              .withPartition(file.partition())
              .overwrite()
              .buildPositionWriter();
      PositionDelete<Record> delete = PositionDelete.create();
      try (writer) {
        for (long pos : positions) {
          writer.write(delete.set(file.location(), pos));
        }
      }
      return writer.toDeleteFile();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out.location(), e);
    }
  }

  private DeleteFile writeEqualityDeletes(
      Table table, PartitionSlot slot, Schema keySchema, int fieldId, List<Record> keys) {
    PartitionSpec spec = table.specs().get(slot.specId());
    OutputFile out =
        table
            .io()
            .newOutputFile(
                table
                    .locationProvider()
                    .newDataLocation(spec, slot.partition(), fileName("eq-deletes")));
    try {
      EqualityDeleteWriter<Record> writer =
          Parquet.writeDeletes(out)
              .forTable(table)
              .withSpec(spec)
              .withPartition(slot.partition())
              .rowSchema(keySchema)
              .equalityFieldIds(fieldId)
              .createWriterFunc(GenericParquetWriter::create)
              .overwrite()
              .buildEqualityWriter();
      try (writer) {
        keys.forEach(writer::write);
      }
      return writer.toDeleteFile();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out.location(), e);
    }
  }

  private static List<DataFile> liveDataFiles(Table table, Expression filter) {
    List<DataFile> files = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = table.newScan().filter(filter).planFiles()) {
      tasks.forEach(task -> files.add(task.file()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  private static List<Record> readFile(Table table, DataFile file) {
    Schema schema = table.schema();
    List<Record> rows = new ArrayList<>();
    try (CloseableIterable<Record> reader =
        Parquet.read(table.io().newInputFile(file.location()))
            .project(schema)
            .createReaderFunc(fileSchema -> GenericParquetReaders.buildReader(schema, fileSchema))
            .build()) {
      reader.forEach(row -> rows.add(row.copy()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  private static String fileName(String kind) {
    return kind + "-" + UUID.randomUUID() + ".parquet";
  }

  /** A partition of one spec: where a delete file must be written to apply to a data file. */
  private record PartitionSlot(int specId, StructLike partition) {}
}
