package dev.floe.catalog;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Fails start-up when {@code floe.catalog.*} is invalid: creating the {@link CatalogHandle}
 * validates the properties and names what to change. Reachability is not checked here; a service
 * whose catalog is down starts and reports itself not ready.
 */
@ApplicationScoped
class CatalogStartupCheck {
  void validate(@Observes StartupEvent started, CatalogHandle catalog) {
    catalog.name();
  }
}
