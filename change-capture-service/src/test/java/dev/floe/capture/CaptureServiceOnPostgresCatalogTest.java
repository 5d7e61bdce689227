package dev.floe.capture;

import dev.floe.catalog.CatalogHandle;
import dev.floe.stack.test.FloeServiceContract;
import dev.floe.stack.test.FloeTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.iceberg.catalog.Catalog;

/** The same service contract with JdbcCatalog on the local PostgreSQL behind floe.catalog.*. */
@QuarkusTest
@WithTestResource(
    value = FloeTestResource.class,
    initArgs = @ResourceArg(name = FloeTestResource.CATALOG, value = "postgres"))
class CaptureServiceOnPostgresCatalogTest extends FloeServiceContract {
  @Inject CatalogHandle catalog;

  @Override
  protected Catalog serviceCatalog() {
    return catalog.get();
  }

  @Override
  protected String serviceName() {
    return "change-capture-service";
  }
}
