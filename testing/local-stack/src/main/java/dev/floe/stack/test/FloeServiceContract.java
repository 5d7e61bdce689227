package dev.floe.stack.test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import dev.floe.stack.writer.Orders;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Random;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every Floe service answers, checked over HTTP against the running app on a real broker and
 * catalog. A service's test extends this class and adds {@code @QuarkusTest} and
 * {@code @WithTestResource(FloeTestResource.class)}; it implements {@link #serviceCatalog()} by
 * returning its injected catalog, which proves the service sees the commits of the stack's writer.
 */
public abstract class FloeServiceContract {
  @InjectFloeStack protected FloeStack stack;

  /** The catalog as the service under test built it from {@code floe.catalog.*}. */
  protected abstract Catalog serviceCatalog();

  /** The {@code quarkus.application.name} of the service. */
  protected abstract String serviceName();

  /** A service starts its background work after start-up; it reports ready once that runs. */
  @BeforeEach
  void awaitReady() {
    awaitServiceReady();
  }

  /** Waits, up to a minute, until the service under test answers ready. */
  public static void awaitServiceReady() {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> given().when().get("/q/health/ready").statusCode() == 200);
  }

  @Test
  void shouldBeReadyWhenBrokerAndCatalogAnswer() {
    JsonPath health =
        given().when().get("/q/health/ready").then().statusCode(200).extract().jsonPath();

    assertThat(health.getString("status")).isEqualTo("UP");
    assertThat(health.getList("checks.name")).contains("iceberg-catalog", "kafka-broker");
    assertThat(health.getString("checks.find { it.name == 'kafka-broker' }.status"))
        .isEqualTo("UP");
    assertThat(health.getString("checks.find { it.name == 'iceberg-catalog' }.data.catalog"))
        .isEqualTo(stack.catalog().name());
  }

  @Test
  void shouldExposePrometheusMetrics() {
    String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();

    assertThat(metrics).contains("# TYPE jvm_memory_used_bytes gauge");
    assertThat(metrics)
        .contains("floe_service_info{")
        .contains("service=\"" + serviceName() + "\"");
  }

  @Test
  void shouldDescribeItsApiWithOpenApi() {
    given()
        .queryParam("format", "json")
        .when()
        .get("/q/openapi")
        .then()
        .statusCode(200)
        .body("openapi", org.hamcrest.Matchers.startsWith("3."))
        .body("info.title", equalTo("Floe " + serviceName()));
    given().when().get("/q/swagger-ui/").then().statusCode(200);
  }

  @Test
  void shouldSeeCommitsThatAnotherWriterMadeToTheCatalog() {
    TableIdentifier id = TableIdentifier.of("contract", serviceName().replace('-', '_'));
    Table table = stack.writer().createOrLoad(id, Orders.SCHEMA, Orders.BY_DAY);
    Snapshot written =
        stack
            .writer()
            .append(
                table,
                Orders.generate(
                    table,
                    new Random(7),
                    1,
                    25,
                    OffsetDateTime.now(ZoneOffset.UTC),
                    Duration.ofHours(1)));

    Table seen = serviceCatalog().loadTable(id);

    assertThat(seen.currentSnapshot().snapshotId()).isEqualTo(written.snapshotId());
    assertThat(seen.currentSnapshot().summary()).containsEntry("added-records", "25");
  }

  @Test
  void shouldListItsHealthGroups() {
    given()
        .when()
        .get("/q/health")
        .then()
        .statusCode(200)
        .body("checks.name", hasItems("iceberg-catalog", "kafka-broker"));
  }
}
