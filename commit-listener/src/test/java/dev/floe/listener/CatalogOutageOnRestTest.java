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
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * While the catalog is down the listener keeps running, shows the outage in readiness, status and
 * metrics, and publishes everything once the catalog is back.
 */
@QuarkusTest
@WithTestResource(
    value = FloeTestResource.class,
    initArgs = @ResourceArg(name = FloeTestResource.CATALOG, value = "rest"))
@Timeout(180)
class CatalogOutageOnRestTest {
  private static final OffsetDateTime TS =
      OffsetDateTime.of(2026, 11, 24, 0, 0, 0, 0, ZoneOffset.UTC);
  @InjectFloeStack FloeStack stack;

  @Test
  void anOutageIsVisibleAndNoCommitIsLost() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> given().get("/q/health/ready").statusCode() == 200);
    TableIdentifier id = TableIdentifier.of("outage", "orders");
    Table table = stack.writer().createOrLoad(id, Orders.SCHEMA, Orders.BY_DAY);
    given()
        .contentType(ContentType.JSON)
        .body("{\"table\": \"outage.orders\"}")
        .post("/watches")
        .then()
        .statusCode(201);
    Snapshot before = append(table, 1);
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

      server.start();
      Snapshot after = append(table, 2);

      awaitPublished(tap, after);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                given().get("/q/health/ready").then().statusCode(200);
                given().get("/watches/outage.orders").then().body("status", equalTo("ok"));
              });
      assertThat(tap.drain())
          .filteredOn(
              r ->
                  r.event().payload() instanceof SnapshotCommitted s
                      && s.table().name().equals("orders")
                      && s.table().namespace().equals(List.of("outage")))
          .hasSize(2);
    } finally {
      if (!server.isRunning()) {
        server.start();
      }
    }
  }

  private Snapshot append(Table table, long order) {
    table.refresh();
    return stack
        .writer()
        .append(table, List.of(Orders.order(table, order, "eu-west", "NEW", BigDecimal.ONE, TS)));
  }

  private static void awaitPublished(EventTap tap, Snapshot snapshot) {
    tap.await(
        SnapshotCommitted.class,
        s -> s.snapshotId() == snapshot.snapshotId(),
        Duration.ofSeconds(60));
  }
}
