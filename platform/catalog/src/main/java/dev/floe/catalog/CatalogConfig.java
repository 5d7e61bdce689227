package dev.floe.catalog;

import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;
import java.util.Map;

/**
 * The {@code floe.catalog} group of every service's configuration mapping. Apart from {@code name},
 * every key is a standard Iceberg catalog property passed unchanged to {@code
 * CatalogUtil.buildIcebergCatalog}, so REST, JDBC, Glue, Nessie and Hive catalogs work by
 * configuration alone: {@code floe.catalog.type=rest}, {@code floe.catalog.uri=…}, {@code
 * floe.catalog.warehouse=…}, {@code floe.catalog.jdbc.user=…} and so on.
 */
public interface CatalogConfig {

  /** The catalog's name in events and metrics. */
  @WithDefault(FloeCatalogs.DEFAULT_NAME)
  String name();

  /** Every key under {@code floe.catalog}, {@code name} included. */
  @WithParentName
  Map<String, String> properties();
}
