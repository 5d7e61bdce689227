package dev.floe.listener;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.catalog.RestCatalogServer;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.test.FloeTestResource;
import dev.floe.stack.test.InjectFloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.util.SnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * While the REST catalog server is down the listener keeps running and shows the outage in
 * readiness, status and metrics. Commits made behind the server's back during the outage, and right
 * after it, are each published once, in lineage order, once the server is back.
 */
@QuarkusTest
@WithTestResource(
    value = FloeTestResource.class,
    initArgs = @ResourceArg(name = FloeTestResource.CATALOG, value = "rest"))
@Timeout(180)
class CatalogOutageOnRestTest {
  private static final OffsetDateTime TS =
      OffsetDateTime.of(2026, 11, 24, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final TableIdentifier ID = TableIdentifier.of("outage", "orders");
  private static final int COMMITS_DURING_OUTAGE = 3;

  /**
   * Iceberg's REST server names its backend catalog {@code rest_backend}, and {@link
   * RestCatalogServer} keeps it in {@code rest-backend.db} beside the warehouse.
   */
  private static final String BACKEND_NAME = "rest_backend";

  private static final String BACKEND_DB = "rest-backend.db";

  @InjectFloeStack FloeStack stack;

  @Test
  void commitsMadeWhileTheCatalogServerIsDownArePublishedOnceEachInLineageOrder()
      throws IOException {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> given().get("/q/health/ready").statusCode() == 200);
    Table table = stack.writer().createOrLoad(ID, Orders.SCHEMA, Orders.BY_DAY);
    given()
        .contentType(ContentType.JSON)
        .body("{\"table\": \"outage.orders\"}")
        .post("/watches")
        .then()
        .statusCode(201);
    Snapshot before = append(stack.writer(), table, 1);
    RestCatalogServer server = stack.catalog().restServer();

    try (EventTap tap = new EventTap(stack.kafka().bootstrapServers(), Topics.SNAPSHOTS)) {
      awaitPublished(tap, before);

      server.stop();
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                JsonPath ready =
                    given().get("/q/health/ready").then().statusCode(503).extract().jsonPath();
                assertThat(ready.getString("checks.find { it.name == 'iceberg-catalog' }.status"))
                    .isEqualTo("DOWN");
                given().get("/watches/outage.orders").then().body("status", equalTo("error"));
              });
      assertThat(given().get("/q/metrics").asString())
          .containsPattern(
              "floe_listener_catalog_errors_total\\{.*table=\"lake:outage.orders\".*\\} [1-9]");

      List<Long> duringOutage = commitBehindTheServer(server);
      assertThat(server.isRunning()).as("the REST server, after the outage's commits").isFalse();
      given().get("/q/health/ready").then().statusCode(503);

      server.start();
      // And one right after the restart, which the listener's first poll may or may not see.
      Snapshot after = append(stack.writer(), table, 100);

      awaitPublished(tap, after);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                given().get("/q/health/ready").then().statusCode(200);
                given().get("/watches/outage.orders").then().body("status", equalTo("ok"));
              });
      tap.drain();
      List<Long> published =
          tap
              .payloads(
                  SnapshotCommitted.class,
                  s ->
                      s.table().name().equals("orders")
                          && s.table().namespace().equals(List.of("outage")))
              .stream()
              .map(SnapshotCommitted::snapshotId)
              .toList();
      List<Long> commits = new ArrayList<>();
      commits.add(before.snapshotId());
      commits.addAll(duringOutage);
      commits.add(after.snapshotId());
      table.refresh();
      List<Long> lineage = new ArrayList<>(SnapshotUtil.currentAncestorIds(table));
      Collections.reverse(lineage);
      assertThat(lineage).as("the table's lineage").containsExactlyElementsOf(commits);
      assertThat(published)
          .as("the published snapshots of outage.orders: each commit once, in lineage order")
          .containsExactlyElementsOf(commits);
    } finally {
      if (!server.isRunning()) {
        server.start();
      }
    }
  }

  /**
   * Commits {@link #COMMITS_DURING_OUTAGE} appends while the REST server is down, through the
   * JdbcCatalog on the SQLite file that backs the server, as a second route to the same catalog;
   * the server sees them when it starts again.
   *
   * @return the new snapshots' ids, oldest first
   */
  private static List<Long> commitBehindTheServer(RestCatalogServer server) throws IOException {
    List<Long> ids = new ArrayList<>();
    try (JdbcCatalog backend = backendOf(server)) {
      TableWriter writer = new TableWriter(backend);
      Table table = backend.loadTable(ID);
      for (int i = 0; i < COMMITS_DURING_OUTAGE; i++) {
        ids.add(append(writer, table, 10 + i).snapshotId());
      }
    }
    return ids;
  }

  /**
   * The REST server's own backend catalog, as {@link RestCatalogServer} configures Iceberg's
   * server. Only while the server is down: SQLite has one writer.
   */
  private static JdbcCatalog backendOf(RestCatalogServer server) {
    Path home = server.warehouse().getParent();
    Map<String, String> props = new HashMap<>();
    props.put(CatalogUtil.ICEBERG_CATALOG_TYPE, CatalogUtil.ICEBERG_CATALOG_TYPE_JDBC);
    props.put(CatalogProperties.URI, "jdbc:sqlite:" + home.resolve(BACKEND_DB).toAbsolutePath());
    props.put(CatalogProperties.WAREHOUSE_LOCATION, server.warehouse().toUri().toString());
    props.put("jdbc.schema-version", "V1");
    return (JdbcCatalog) CatalogUtil.buildIcebergCatalog(BACKEND_NAME, props, new Configuration());
  }

  private static Snapshot append(TableWriter writer, Table table, long order) {
    table.refresh();
    return writer.append(
        table, List.of(Orders.order(table, order, "eu-west", "NEW", BigDecimal.ONE, TS)));
  }

  private static void awaitPublished(EventTap tap, Snapshot snapshot) {
    tap.await(
        SnapshotCommitted.class,
        s -> s.snapshotId() == snapshot.snapshotId(),
        Duration.ofSeconds(60));
  }
}
