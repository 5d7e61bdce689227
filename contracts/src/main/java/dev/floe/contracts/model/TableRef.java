package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/**
 * Names an Iceberg table in a catalog. Two refs are equal when catalog, namespace and name are
 * equal; the table's UUID is carried separately because a name can be dropped and re-created.
 *
 * @param catalog the catalog name as Floe is configured with it ({@code floe.catalog.name})
 * @param namespace the namespace levels, outermost first; never empty
 * @param name the table name
 */
public record TableRef(
    @JsonProperty(required = true) String catalog,
    @JsonProperty(required = true) List<String> namespace,
    @JsonProperty(required = true) String name) {

  public TableRef {
    Objects.requireNonNull(catalog, "catalog");
    Objects.requireNonNull(name, "name");
    namespace = List.copyOf(Objects.requireNonNull(namespace, "namespace"));
    if (namespace.isEmpty()) {
      throw new IllegalArgumentException("namespace must have at least one level");
    }
  }

  /** Parses {@code ns1.ns2.table} as Iceberg does: the last level is the table name. */
  public static TableRef parse(String catalog, String qualifiedName) {
    List<String> levels = List.of(qualifiedName.split("\\."));
    if (levels.size() < 2) {
      throw new IllegalArgumentException(
          "expected <namespace>.<table>, got '" + qualifiedName + "'");
    }
    return new TableRef(
        catalog, levels.subList(0, levels.size() - 1), levels.get(levels.size() - 1));
  }

  /** The namespace and name joined with dots, as Iceberg's {@code TableIdentifier} prints it. */
  public String qualifiedName() {
    return String.join(".", namespace) + "." + name;
  }

  @Override
  public String toString() {
    return catalog + ":" + qualifiedName();
  }
}
