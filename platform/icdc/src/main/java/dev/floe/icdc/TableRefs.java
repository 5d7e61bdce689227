package dev.floe.icdc;

import dev.floe.contracts.model.TableRef;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;

/** Table names as events carry them ({@link TableRef}), as the catalog takes them. */
public final class TableRefs {
  private TableRefs() {}

  /** The catalog's identifier of {@code table}: its namespace levels and name. */
  public static TableIdentifier identifier(TableRef table) {
    return TableIdentifier.of(Namespace.of(table.namespace().toArray(String[]::new)), table.name());
  }
}
