package dev.floe.capture.flow;

import dev.floe.stack.test.FloeTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The capture flow on JdbcCatalog on the local PostgreSQL. */
@QuarkusTest
@WithTestResource(
    value = FloeTestResource.class,
    initArgs = @ResourceArg(name = FloeTestResource.CATALOG, value = "postgres"))
class CaptureFlowOnPostgresTest extends CaptureFlowContract {}
