package dev.floe.stack.sql;

import org.apache.iceberg.catalog.TableIdentifier;

/**
 * A table that a statement reads, and which state of it: {@code demo.orders VERSION AS OF
 * 'change-42'}. Two references to the same table and version are equal, and are loaded once.
 *
 * @param table the table in the catalog, never null
 * @param version which state, never null
 */
record TableReference(TableIdentifier table, TableVersion version) {
  /**
   * The name of the in-memory table that holds this state: the table's name in the catalog and the
   * version, such as {@code demo.orders@change-42}, so that DuckDB's messages name it readably.
   */
  String memoryTableName() {
    return table + version.suffix();
  }

  /** The reference as a statement would write it, for messages. */
  String describe() {
    return version instanceof TableVersion.Current
        ? table.toString()
        : table + " " + version.describe();
  }
}
