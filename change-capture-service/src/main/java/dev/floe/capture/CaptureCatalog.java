package dev.floe.capture;

import dev.floe.catalog.CatalogHandle;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The service's catalog, from {@code floe.catalog.*}. */
class CaptureCatalog {
  @Produces
  @Singleton
  CatalogHandle catalog(CaptureConfig config) {
    return CatalogHandle.of(config.catalog());
  }
}
