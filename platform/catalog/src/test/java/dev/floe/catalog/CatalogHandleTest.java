package dev.floe.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.catalog.RestCatalogServer;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Random;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The handle builds each real catalog from standard properties and reports its reachability. */
@Timeout(120)
class CatalogHandleTest {

  @ParameterizedTest
  @EnumSource(CatalogKind.class)
  void shouldBuildTheCatalogFromStandardIcebergProperties(CatalogKind kind) throws Exception {
    try (CatalogFixture fixture = CatalogFixture.start(kind, FloeStack.workDir("handle-" + kind));
        CatalogHandle handle = new CatalogHandle(fixture.name(), fixture.properties())) {
      TableIdentifier id = TableIdentifier.of("handle", "orders");
      Table table =
          new TableWriter(fixture.catalog()).createOrLoad(id, Orders.SCHEMA, Orders.BY_DAY);
      Snapshot written =
          new TableWriter(fixture.catalog())
              .append(
                  table,
                  Orders.generate(
                      table,
                      new Random(1),
                      1,
                      10,
                      OffsetDateTime.now(ZoneOffset.UTC),
                      Duration.ofHours(1)));

      Table seen = handle.get().loadTable(id);

      assertThat(seen.currentSnapshot().snapshotId()).isEqualTo(written.snapshotId());
      assertThat(seen.uuid()).isEqualTo(table.uuid());
      assertThat(readiness(handle).getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
    }
  }

  @Test
  void shouldReportNotReadyWhileTheRestCatalogIsDownAndRecoverWithoutRestart() throws Exception {
    try (CatalogFixture fixture =
            CatalogFixture.start(CatalogKind.REST, FloeStack.workDir("handle-down"));
        CatalogHandle handle = new CatalogHandle(fixture.name(), fixture.properties())) {
      RestCatalogServer server = fixture.restServer();
      assertThat(readiness(handle).getStatus()).isEqualTo(HealthCheckResponse.Status.UP);

      server.stop();
      HealthCheckResponse down = readiness(handle);

      assertThat(down.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
      assertThat(down.getData().orElseThrow())
          .containsKey("error")
          .containsEntry("catalog", "lake");

      server.start();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> readiness(handle).getStatus() == HealthCheckResponse.Status.UP);
    }
  }

  @Test
  void shouldStartWhileTheCatalogIsDownAndConnectOnceItIsUp() throws Exception {
    try (CatalogFixture fixture =
        CatalogFixture.start(CatalogKind.REST, FloeStack.workDir("handle-late"))) {
      fixture.restServer().stop();

      try (CatalogHandle handle = new CatalogHandle(fixture.name(), fixture.properties())) {
        assertThatThrownBy(handle::get)
            .isInstanceOf(CatalogUnavailableException.class)
            .hasMessageContaining("cannot initialize catalog lake");

        fixture.restServer().start();

        assertThat(handle.get().name()).isEqualTo("lake");
      }
    }
  }

  @Test
  void shouldReportNotReadyWhenTheDatabaseOfAJdbcCatalogIsUnreachable() throws Exception {
    Map<String, String> unreachable =
        Map.of(
            "type", "jdbc",
            "uri", "jdbc:postgresql://127.0.0.1:1/test?connectTimeout=1",
            "jdbc.user", "postgres",
            "warehouse", "file:/tmp/nowhere");
    try (CatalogHandle handle = new CatalogHandle("pg", unreachable)) {
      HealthCheckResponse response = readiness(handle);

      assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
      assertThat(response.getData().orElseThrow()).containsEntry("type", "jdbc");
    }
  }

  private static HealthCheckResponse readiness(CatalogHandle handle) {
    return new CatalogReadinessCheck(handle).call();
  }
}
