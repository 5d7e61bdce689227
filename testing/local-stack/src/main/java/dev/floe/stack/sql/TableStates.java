package dev.floe.stack.sql;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.util.SnapshotUtil;

/**
 * Resolves a {@link TableReference} against the catalog. An unknown table, tag, branch or snapshot
 * is a {@link LakeSqlException} whose message lists what does exist, so that a typo is easy to fix.
 * Thread-safe as the catalog is.
 */
final class TableStates {
  /** How many existing names a message lists before it says how many more there are. */
  private static final int LISTED = 8;

  private final Catalog catalog;

  TableStates(Catalog catalog) {
    this.catalog = catalog;
  }

  /**
   * The state {@code reference} reads.
   *
   * @throws LakeSqlException when the table, the ref or the snapshot does not exist
   */
  TableState resolve(TableReference reference) {
    Table table = load(reference.table());
    if (reference.version() instanceof TableVersion.SnapshotId id) {
      return bySnapshotId(table, reference, id.id());
    }
    if (reference.version() instanceof TableVersion.Ref ref) {
      return byRef(table, reference, ref.name());
    }
    return new TableState(table, table.currentSnapshot(), table.schema());
  }

  private Table load(TableIdentifier id) {
    try {
      return catalog.loadTable(id);
    } catch (NoSuchTableException | NoSuchNamespaceException e) {
      throw new LakeSqlException(catalog.name() + " has no table " + id + "; " + siblings(id), e);
    }
  }

  private String siblings(TableIdentifier id) {
    try {
      List<String> tables =
          catalog.listTables(id.namespace()).stream().map(TableIdentifier::name).sorted().toList();
      return tables.isEmpty()
          ? "namespace " + id.namespace() + " has no tables"
          : "tables in " + id.namespace() + ": " + listed(tables);
    } catch (NoSuchNamespaceException e) {
      if (catalog instanceof SupportsNamespaces namespaces) {
        List<String> all =
            namespaces.listNamespaces().stream().map(Namespace::toString).sorted().toList();
        return "there is no namespace " + id.namespace() + "; namespaces: " + listed(all);
      }
      return "there is no namespace " + id.namespace();
    }
  }

  private static TableState byRef(Table table, TableReference reference, String name) {
    SnapshotRef ref = table.refs().get(name);
    if (ref == null) {
      if (name.matches("\\d{1,18}")) {
        // Spark reads VERSION AS OF '42' as snapshot 42 when no ref has that name.
        return bySnapshotId(table, reference, Long.parseLong(name));
      }
      List<String> refs = newestFirst(table);
      throw new LakeSqlException(
          reference.table()
              + " has no tag or branch '"
              + name
              + "'; its tags and branches, newest first: "
              + listed(refs));
    }
    Snapshot snapshot = table.snapshot(ref.snapshotId());
    if (snapshot == null) {
      throw new LakeSqlException(
          reference.table()
              + ": "
              + name
              + " points at snapshot "
              + ref.snapshotId()
              + ", which is gone");
    }
    return new TableState(table, snapshot, SnapshotUtil.schemaFor(table, name));
  }

  /** The table's tags and branches, the one pointing at the newest snapshot first. */
  private static List<String> newestFirst(Table table) {
    Comparator<Map.Entry<String, SnapshotRef>> byAge =
        Comparator.comparingLong(
            e -> {
              Snapshot snapshot = table.snapshot(e.getValue().snapshotId());
              return snapshot == null ? 0L : snapshot.timestampMillis();
            });
    return table.refs().entrySet().stream()
        .sorted(byAge.reversed().thenComparing(Map.Entry::getKey))
        .map(Map.Entry::getKey)
        .toList();
  }

  private static TableState bySnapshotId(Table table, TableReference reference, long id) {
    Snapshot snapshot = table.snapshot(id);
    if (snapshot == null) {
      throw new LakeSqlException(
          reference.table()
              + " has no snapshot "
              + id
              + " (expired, or a snapshot of another table?); current snapshot: "
              + (table.currentSnapshot() == null ? "none" : table.currentSnapshot().snapshotId()));
    }
    return new TableState(table, snapshot, SnapshotUtil.schemaFor(table, id));
  }

  private static String listed(List<String> names) {
    if (names.isEmpty()) {
      return "none";
    }
    String shown = names.stream().limit(LISTED).collect(Collectors.joining(", "));
    return names.size() <= LISTED ? shown : shown + " and " + (names.size() - LISTED) + " more";
  }
}
