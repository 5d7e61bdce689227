package dev.floe.listener.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.topic.Topics;
import dev.floe.reporter.FloeCommitReporter;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.host.ServiceProcess;
import dev.floe.stack.kafka.EmbeddedKafka;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.metrics.ImmutableCommitMetricsResult;
import org.apache.iceberg.metrics.ImmutableCommitReport;
import org.apache.iceberg.rest.requests.ReportMetricsRequest;
import org.apache.iceberg.rest.requests.ReportMetricsRequestParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With polling every ten minutes, a commit reaches the snapshots topic within seconds only through
 * the writer-side reporter's hint; a hint for a commit that never landed publishes nothing.
 */
class HintPathIT {
  private static final OffsetDateTime TS =
      OffsetDateTime.of(2026, 11, 25, 0, 0, 0, 0, ZoneOffset.UTC);

  @Test
  @Timeout(180)
  void aWritersReportMakesTheListenerPublishAtOnceAndAGhostHintPublishesNothing() {
    Path home = FloeStack.workDir("hint-path");
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        CatalogFixture catalog = CatalogFixture.start(CatalogKind.SQLITE, home);
        EventTap tap = new EventTap(kafka.bootstrapServers(), Topics.SNAPSHOTS)) {
      Map<String, String> config = ListenerProcesses.config(kafka, catalog, "hinted", "hinted");
      config.put("floe.listener.poll.min-interval", "10m");
      config.put("floe.listener.poll.max-interval", "10m");
      TableWriter plain = new TableWriter(catalog.catalog());
      Table table =
          plain.createOrLoad(TableIdentifier.of("hinted", "orders"), Orders.SCHEMA, Orders.BY_DAY);
      Snapshot first = plain.append(table, List.of(row(table, 1)));

      try (ServiceProcess listener = ListenerProcesses.start(config, home.resolve("logs"))) {
        listener.awaitColdStart();
        awaitPublished(tap, first, Duration.ofSeconds(60));

        Catalog reporting = reportingCatalog(catalog, listener);
        Table same = reporting.loadTable(TableIdentifier.of("hinted", "orders"));
        Snapshot second = new TableWriter(reporting).append(same, List.of(row(same, 2)));
        awaitPublished(tap, second, Duration.ofSeconds(30));

        double idlePolls = idlePolls(listener);
        given()
            .baseUri(listener.url().toString())
            .contentType("application/json")
            .body(ghostReport())
            .post("/v1/namespaces/hinted/tables/orders/metrics")
            .then()
            .statusCode(204);
        await().atMost(Duration.ofSeconds(30)).until(() -> idlePolls(listener) > idlePolls);

        assertThat(tap.drain())
            .filteredOn(
                r ->
                    r.event().payload() instanceof SnapshotCommitted s
                        && s.table().name().equals("orders"))
            .hasSize(2);
      }
    }
  }

  private static Catalog reportingCatalog(CatalogFixture catalog, ServiceProcess listener) {
    Map<String, String> props = new HashMap<>(catalog.properties());
    props.put("metrics-reporter-impl", FloeCommitReporter.class.getName());
    props.put(FloeCommitReporter.URL, listener.url().toString());
    return CatalogUtil.buildIcebergCatalog(catalog.name(), props, new Configuration());
  }

  private static String ghostReport() {
    return ReportMetricsRequestParser.toJson(
        ReportMetricsRequest.of(
            ImmutableCommitReport.builder()
                .tableName("lake.hinted.orders")
                .snapshotId(424242L)
                .sequenceNumber(99)
                .operation("append")
                .commitMetrics(ImmutableCommitMetricsResult.builder().build())
                .build()));
  }

  /** The listener's count of polls that found nothing new, from its Prometheus endpoint. */
  private static double idlePolls(ServiceProcess listener) {
    String metrics = given().baseUri(listener.url().toString()).get("/q/metrics").asString();
    return metrics
        .lines()
        .filter(
            l ->
                l.startsWith("floe_listener_poll_duration_seconds_count{")
                    && l.contains("outcome=\"idle\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  private static org.apache.iceberg.data.Record row(Table table, long id) {
    return Orders.order(table, id, "eu-west", "NEW", BigDecimal.ONE, TS);
  }

  private static void awaitPublished(EventTap tap, Snapshot snapshot, Duration within) {
    tap.await(SnapshotCommitted.class, s -> s.snapshotId() == snapshot.snapshotId(), within);
  }
}
