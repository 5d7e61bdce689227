package dev.floe.trigger;

import dev.floe.catalog.CatalogHandle;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The service's catalog, from {@code floe.catalog.*}. */
class TriggerCatalog {
  @Produces
  @Singleton
  CatalogHandle catalog(TriggerConfig config) {
    return CatalogHandle.of(config.catalog());
  }
}
