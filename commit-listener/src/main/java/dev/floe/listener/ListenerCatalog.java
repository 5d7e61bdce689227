package dev.floe.listener;

import dev.floe.catalog.CatalogHandle;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The service's catalog, from {@code floe.catalog.*}. */
class ListenerCatalog {
  @Produces
  @Singleton
  CatalogHandle catalog(ListenerConfig config) {
    return CatalogHandle.of(config.catalog());
  }
}
