package dev.floe.stack.catalog;

/** The three real catalogs every catalog-sensitive test runs against. */
public enum CatalogKind {
  /** JdbcCatalog on a SQLite file plus a local warehouse: the embedded default. */
  SQLITE,
  /** JdbcCatalog on the PostgreSQL server at 127.0.0.1:5432, database {@code test}. */
  POSTGRES,
  /** Apache Iceberg's own REST catalog server, started as a separate process. */
  REST
}
