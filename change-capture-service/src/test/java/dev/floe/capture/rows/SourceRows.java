package dev.floe.capture.rows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.io.CloseableIterable;

/** A table's rows as Iceberg's own generic reader reads them: the tests' oracle. */
public final class SourceRows {
  private SourceRows() {}

  /** The rows at a snapshot. */
  public static List<Record> at(Table table, long snapshotId) {
    return copy(IcebergGenerics.read(table).useSnapshot(snapshotId).build());
  }

  /** The current rows matching {@code filter}; none when the table has no snapshot. */
  public static List<Record> where(Table table, Expression filter) {
    if (table.currentSnapshot() == null) {
      return List.of();
    }
    return copy(IcebergGenerics.read(table).where(filter).build());
  }

  /** Each row's values, with how many times it occurs. */
  public static Map<List<Object>, Integer> multiset(List<Record> rows) {
    Map<List<Object>, Integer> counts = new HashMap<>();
    rows.forEach(r -> counts.merge(RowStreamReplay.values(r), 1, Integer::sum));
    return counts;
  }

  private static List<Record> copy(CloseableIterable<Record> records) {
    List<Record> rows = new ArrayList<>();
    try (records) {
      records.forEach(r -> rows.add(r.copy()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }
}
