package dev.floe.listener;

import dev.floe.stack.test.FloeTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The commit stream contract on JdbcCatalog on SQLite. */
@QuarkusTest
@WithTestResource(FloeTestResource.class)
class CommitStreamOnSqliteTest extends CommitStreamContract {}
