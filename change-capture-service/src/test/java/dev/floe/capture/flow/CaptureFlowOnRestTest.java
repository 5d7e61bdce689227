package dev.floe.capture.flow;

import dev.floe.stack.test.FloeTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The capture flow on Apache Iceberg's REST catalog server. */
@QuarkusTest
@WithTestResource(
    value = FloeTestResource.class,
    initArgs = @ResourceArg(name = FloeTestResource.CATALOG, value = "rest"))
class CaptureFlowOnRestTest extends CaptureFlowContract {}
