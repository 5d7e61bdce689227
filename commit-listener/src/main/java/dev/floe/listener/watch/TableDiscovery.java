package dev.floe.listener.watch;

import dev.floe.contracts.model.InitialPosition;
import dev.floe.contracts.model.TableRef;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * Lists the tables of the namespaces that match the configured patterns. A new table is found at
 * the next discovery; since a discovered table is published from its earliest snapshot, the commits
 * made before that are not missed.
 */
public final class TableDiscovery {
  private final String catalogName;
  private final List<NamespacePattern> patterns;
  private final List<String> branches;

  public TableDiscovery(
      String catalogName, List<NamespacePattern> patterns, List<String> branches) {
    this.catalogName = catalogName;
    this.patterns = List.copyOf(patterns);
    this.branches = List.copyOf(branches);
  }

  public boolean enabled() {
    return !patterns.isEmpty();
  }

  /** The watches for every table in a matching namespace, as the catalog lists them now. */
  public List<Watch> discover(Catalog catalog) {
    List<Watch> found = new ArrayList<>();
    if (!(catalog instanceof SupportsNamespaces namespaces) || patterns.isEmpty()) {
      return found;
    }
    visit(catalog, namespaces, Namespace.empty(), found);
    return found;
  }

  private void visit(
      Catalog catalog, SupportsNamespaces namespaces, Namespace parent, List<Watch> found) {
    for (Namespace namespace : namespaces.listNamespaces(parent)) {
      if (patterns.stream().anyMatch(p -> p.matches(namespace))) {
        for (TableIdentifier id : catalog.listTables(namespace)) {
          found.add(
              new Watch(
                  new TableRef(catalogName, List.of(id.namespace().levels()), id.name()),
                  branches,
                  InitialPosition.EARLIEST,
                  Watch.Source.DISCOVERED));
        }
      }
      if (patterns.stream().anyMatch(p -> p.mayMatchBelow(namespace))) {
        visit(catalog, namespaces, namespace, found);
      }
    }
  }
}
