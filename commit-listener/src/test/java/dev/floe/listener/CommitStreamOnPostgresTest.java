package dev.floe.listener;

import dev.floe.stack.test.FloeTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The commit stream contract on JdbcCatalog on the local PostgreSQL. */
@QuarkusTest
@WithTestResource(
    value = FloeTestResource.class,
    initArgs = @ResourceArg(name = FloeTestResource.CATALOG, value = "postgres"))
class CommitStreamOnPostgresTest extends CommitStreamContract {}
