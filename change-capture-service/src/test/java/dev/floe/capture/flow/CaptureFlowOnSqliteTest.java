package dev.floe.capture.flow;

import dev.floe.stack.test.FloeTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The capture flow on JdbcCatalog on SQLite. */
@QuarkusTest
@WithTestResource(FloeTestResource.class)
class CaptureFlowOnSqliteTest extends CaptureFlowContract {}
