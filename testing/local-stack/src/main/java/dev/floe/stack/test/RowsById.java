package dev.floe.stack.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;

/**
 * Rows as the differential tests compare them: each row's values by field id, for the fields of one
 * schema (absent ones null), as a reader of both ends of a range with the later end's schema sees
 * them; and the rule of the two states checked against a source.
 */
public final class RowsById {
  private RowsById() {}

  /** The rows of {@code table} at {@code snapshotId}, deletes applied, in {@code schema}. */
  public static List<Map<Integer, Object>> at(Table table, long snapshotId, Schema schema) {
    List<Map<Integer, Object>> rows = new ArrayList<>();
    try (CloseableIterable<Record> records =
        IcebergGenerics.read(table).useSnapshot(snapshotId).build()) {
      records.forEach(r -> rows.add(of(r, schema)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  /** The row's values by field id, for the fields of {@code schema}; absent ones are null. */
  public static Map<Integer, Object> of(Record row, Schema schema) {
    Map<Integer, Object> values = new TreeMap<>();
    Map<Integer, Object> present = new HashMap<>();
    List<Types.NestedField> fields = row.struct().fields();
    for (int i = 0; i < fields.size(); i++) {
      present.put(fields.get(i).fieldId(), row.get(i));
    }
    schema.columns().forEach(f -> values.put(f.fieldId(), present.get(f.fieldId())));
    return values;
  }

  /** Each row with how many times it occurs. */
  public static Map<Map<Integer, Object>, Integer> multiset(List<Map<Integer, Object>> rows) {
    Map<Map<Integer, Object>, Integer> counts = new HashMap<>();
    rows.forEach(r -> counts.merge(r, 1, Integer::sum));
    return counts;
  }

  /** The schema {@code snapshot} was written with. */
  public static Schema schemaOf(Table table, Snapshot snapshot) {
    Integer id = snapshot.schemaId();
    Schema schema = id == null ? null : table.schemas().get(id);
    return schema == null ? table.schema() : schema;
  }

  /**
   * Why the states of {@code (s0, sn]} break their rule against {@code source}: as multisets {@code
   * rows(Sn) = rows(S0) − removed + added}, with {@code removed ⊆ rows(S0)}, every row in the
   * schema of {@code sn}. Null when the rule holds.
   *
   * @param s0 the start, null for a range from the table's first snapshot
   */
  public static String ruleBroken(
      Table source,
      Long s0,
      Snapshot sn,
      List<Map<Integer, Object>> removed,
      List<Map<Integer, Object>> added) {
    Schema schema = schemaOf(source, sn);
    Map<Map<Integer, Object>, Integer> expected =
        multiset(s0 == null ? List.of() : at(source, s0, schema));
    for (Map<Integer, Object> row : removed) {
      Integer n = expected.get(row);
      if (n == null) {
        return "a removed row that S0 does not hold (or holds fewer times): " + row;
      }
      if (n == 1) {
        expected.remove(row);
      } else {
        expected.put(row, n - 1);
      }
    }
    added.forEach(row -> expected.merge(row, 1, Integer::sum));
    Map<Map<Integer, Object>, Integer> actual = multiset(at(source, sn.snapshotId(), schema));
    if (expected.equals(actual)) {
      return null;
    }
    List<String> differences = new ArrayList<>();
    Map<Map<Integer, Object>, Integer> all = new HashMap<>(expected);
    actual.forEach(all::putIfAbsent);
    for (Map<Integer, Object> row : all.keySet()) {
      Integer e = expected.get(row);
      Integer a = actual.get(row);
      if (!java.util.Objects.equals(e, a) && differences.size() < 5) {
        differences.add(row + ": S0 − removed + added holds it " + e + " times, Sn " + a);
      }
    }
    return "rows(S0) − removed + added differs from rows(Sn): " + differences;
  }
}
