package dev.floe.backfill;

import dev.floe.catalog.CatalogHandle;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The service's catalog, from {@code floe.catalog.*}. */
class BackfillCatalog {
  @Produces
  @Singleton
  CatalogHandle catalog(BackfillConfig config) {
    return CatalogHandle.of(config.catalog());
  }
}
