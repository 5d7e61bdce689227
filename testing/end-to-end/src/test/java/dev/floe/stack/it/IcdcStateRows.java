package dev.floe.stack.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/**
 * What a job reads: the rows of the ICDC state a run's input names, as any Iceberg reader would.
 */
final class IcdcStateRows {
  private IcdcStateRows() {}

  /** The table of an input's {@code icdc} reference. */
  static TableIdentifier table(JsonNode icdc) {
    JsonNode table = icdc.path("table");
    List<String> namespace = new ArrayList<>();
    table.path("namespace").forEach(n -> namespace.add(n.asText()));
    return TableIdentifier.of(
        Namespace.of(namespace.toArray(String[]::new)), table.path("name").asText());
  }

  /** The rows of the state, deletes applied. */
  static List<Record> read(Catalog catalog, JsonNode icdc) {
    Table t = catalog.loadTable(table(icdc));
    List<Record> rows = new ArrayList<>();
    try (CloseableIterable<Record> records =
        IcebergGenerics.read(t).useSnapshot(icdc.path("snapshotId").asLong()).build()) {
      records.forEach(r -> rows.add(r.copy()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  /** The data and delete files the state names. */
  static Set<String> files(Catalog catalog, JsonNode icdc) {
    Table t = catalog.loadTable(table(icdc));
    Set<String> files = new HashSet<>();
    try (CloseableIterable<FileScanTask> tasks =
        t.newScan().useSnapshot(icdc.path("snapshotId").asLong()).planFiles()) {
      for (FileScanTask task : tasks) {
        files.add(task.file().location());
        task.deletes().forEach(d -> files.add(d.location()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  /** The order ids of the state's rows. */
  static List<Long> orderIds(Catalog catalog, JsonNode icdc) {
    return read(catalog, icdc).stream().map(r -> (Long) r.getField("order_id")).toList();
  }
}
