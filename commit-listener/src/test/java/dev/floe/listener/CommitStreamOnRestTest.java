package dev.floe.listener;

import dev.floe.stack.test.FloeTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The commit stream contract on Apache Iceberg's REST catalog server. */
@QuarkusTest
@WithTestResource(
    value = FloeTestResource.class,
    initArgs = @ResourceArg(name = FloeTestResource.CATALOG, value = "rest"))
class CommitStreamOnRestTest extends CommitStreamContract {}
