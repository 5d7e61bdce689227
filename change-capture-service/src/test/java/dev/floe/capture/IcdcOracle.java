package dev.floe.capture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.AddedRowsScanTask;
import org.apache.iceberg.ChangelogOperation;
import org.apache.iceberg.ChangelogScanTask;
import org.apache.iceberg.ContentScanTask;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeletedDataFileScanTask;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.parquet.Parquet;

/**
 * What Iceberg itself says a snapshot changed, as rows: the oracle of the differential tests. Rows
 * are compared as sorted strings of the schema the snapshot was written with, as a time-travel read
 * of the snapshot, or of its ICDC state, returns them.
 */
public final class IcdcOracle {
  private IcdcOracle() {}

  /** The rows of a table state, deletes applied, as Iceberg's generic reader returns them. */
  public static List<String> rows(Table table, long snapshotId) {
    List<String> rows = new ArrayList<>();
    try (CloseableIterable<Record> records =
        IcebergGenerics.read(table).useSnapshot(snapshotId).build()) {
      records.forEach(r -> rows.add(r.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    rows.sort(String::compareTo);
    return rows;
  }

  /**
   * The rows of a table state, deletes applied, projected onto {@code schema}: a column added since
   * reads as null, as a reader of the later state sees it.
   */
  public static List<String> rows(Table table, long snapshotId, Schema schema) {
    List<String> rows = new ArrayList<>();
    try (CloseableIterable<Record> records =
        IcebergGenerics.read(table).useSnapshot(snapshotId).project(schema).build()) {
      records.forEach(r -> rows.add(r.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    rows.sort(String::compareTo);
    return rows;
  }

  /**
   * What is wrong with a change's states, or null: they must satisfy {@code rows(snapshot) =
   * rows(parent) − removed + added} as multisets, with {@code removed ⊆ rows(parent)}.
   */
  public static String invariantProblem(
      Table source, Long parent, long snapshot, Table icdc, Long removed, Long added) {
    Schema schema = schemaOf(source, snapshot);
    List<String> expected =
        new ArrayList<>(parent == null ? List.of() : rows(source, parent, schema));
    if (removed != null) {
      for (String row : rows(icdc, removed, schema)) {
        if (!expected.remove(row)) {
          return "removed a row the parent did not hold: " + row;
        }
      }
    }
    if (added != null) {
      expected.addAll(rows(icdc, added, schema));
    }
    expected.sort(String::compareTo);
    List<String> actual = rows(source, snapshot, schema);
    return expected.equals(actual)
        ? null
        : "rows(parent) - removed + added " + expected + " but the snapshot holds " + actual;
  }

  /** The rows {@code IncrementalAppendScan} says the snapshot appended. */
  public static List<String> appended(Table source, Long parent, long snapshot) {
    var scan = source.newIncrementalAppendScan().toSnapshot(snapshot);
    if (parent != null) {
      scan = scan.fromSnapshotExclusive(parent);
    }
    List<String> rows = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = scan.planFiles()) {
      for (FileScanTask task : tasks) {
        rows.addAll(read(source, task.file(), schemaOf(source, snapshot)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    rows.sort(String::compareTo);
    return rows;
  }

  /**
   * The rows {@code IncrementalChangelogScan} says the snapshot inserted or deleted
   * (copy-on-write).
   */
  public static List<String> changelog(
      Table source, Long parent, long snapshot, ChangelogOperation operation) {
    var scan = source.newIncrementalChangelogScan().toSnapshot(snapshot);
    if (parent != null) {
      scan = scan.fromSnapshotExclusive(parent);
    }
    List<String> rows = new ArrayList<>();
    try (CloseableIterable<ChangelogScanTask> tasks = scan.planFiles()) {
      for (ChangelogScanTask task : tasks) {
        if (task.operation() != operation) {
          continue;
        }
        if (task instanceof AddedRowsScanTask added) {
          rows.addAll(read(source, added.file(), schemaOf(source, snapshot)));
        } else if (task instanceof DeletedDataFileScanTask deleted) {
          rows.addAll(read(source, deleted.file(), schemaOf(source, snapshot)));
        } else if (task instanceof ContentScanTask<?> other) {
          throw new IllegalStateException("unexpected changelog task " + other);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    rows.sort(String::compareTo);
    return rows;
  }

  /** A data file's rows, projected to the table's current schema. */
  public static List<String> read(Table table, DataFile file) {
    return read(table, file, table.schema());
  }

  /** The schema a snapshot was written with. */
  public static Schema schemaOf(Table table, long snapshotId) {
    Integer id = table.snapshot(snapshotId).schemaId();
    return id == null ? table.schema() : table.schemas().get(id);
  }

  /** A data file's rows, projected to {@code schema}. */
  public static List<String> read(Table table, DataFile file, Schema schema) {
    List<String> rows = new ArrayList<>();
    try (CloseableIterable<Record> reader =
        Parquet.read(table.io().newInputFile(file.location()))
            .project(schema)
            .createReaderFunc(fileSchema -> GenericParquetReaders.buildReader(schema, fileSchema))
            .build()) {
      reader.forEach(r -> rows.add(r.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }
}
