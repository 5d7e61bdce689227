package dev.floe.trigger;

import dev.floe.catalog.CatalogHandle;
import dev.floe.stack.test.FloeServiceContract;
import dev.floe.stack.test.FloeTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.iceberg.catalog.Catalog;

@QuarkusTest
@WithTestResource(FloeTestResource.class)
class TriggerServiceAppTest extends FloeServiceContract {
  @Inject CatalogHandle catalog;

  @Override
  protected Catalog serviceCatalog() {
    return catalog.get();
  }

  @Override
  protected String serviceName() {
    return "trigger-service";
  }
}
