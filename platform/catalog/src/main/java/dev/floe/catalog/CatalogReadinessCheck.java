package dev.floe.catalog;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while the catalog answers: no service can do useful work without it. */
@Readiness
@ApplicationScoped
public class CatalogReadinessCheck implements HealthCheck {
  static final String NAME = "iceberg-catalog";
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final CatalogHandle catalog;

  @Inject
  public CatalogReadinessCheck(CatalogHandle catalog) {
    this.catalog = catalog;
  }

  @Override
  public HealthCheckResponse call() {
    HealthCheckResponseBuilder response =
        HealthCheckResponse.named(NAME).withData("catalog", catalog.name());
    if (catalog.kind() != null) {
      response.withData("type", catalog.kind());
    }
    try {
      catalog.probe(TIMEOUT);
      return response.up().build();
    } catch (CatalogUnavailableException e) {
      return response.down().withData("error", e.getMessage()).build();
    }
  }
}
