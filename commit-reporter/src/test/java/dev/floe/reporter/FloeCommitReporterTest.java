package dev.floe.reporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.kafka.EmbeddedKafka;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.metrics.CommitReport;
import org.apache.iceberg.rest.requests.ReportMetricsRequestParser;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A real writer with the reporter configured sends each commit's report, and never fails. */
@Timeout(120)
class FloeCommitReporterTest {
  private static final OffsetDateTime TS =
      OffsetDateTime.of(2026, 11, 25, 0, 0, 0, 0, ZoneOffset.UTC);
  private static CatalogFixture fixture;

  @BeforeAll
  static void catalog() {
    fixture = CatalogFixture.start(CatalogKind.SQLITE, FloeStack.workDir("reporter"));
  }

  @AfterAll
  static void close() {
    fixture.close();
  }

  /** The fixture's catalog, as a writer would configure it with the reporter. */
  private static Catalog writerCatalog(Map<String, String> reporter) {
    Map<String, String> props = new HashMap<>(fixture.properties());
    props.put("metrics-reporter-impl", FloeCommitReporter.class.getName());
    props.putAll(reporter);
    return CatalogUtil.buildIcebergCatalog(fixture.name(), props, new Configuration());
  }

  private static Snapshot commit(Catalog catalog, String namespace) {
    TableWriter writer = new TableWriter(catalog);
    Table table =
        writer.createOrLoad(
            TableIdentifier.of(namespace, "orders_" + UUID.randomUUID().toString().substring(0, 6)),
            Orders.SCHEMA,
            Orders.BY_DAY);
    return writer.append(
        table, List.of(Orders.order(table, 1, "eu-west", "NEW", BigDecimal.ONE, TS)));
  }

  @Test
  void sendsEachCommitReportToTheListenersIcebergMetricsPath() throws IOException {
    List<String[]> received = new CopyOnWriteArrayList<>();
    HttpServer listener = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    listener.createContext(
        "/",
        exchange -> {
          received.add(
              new String[] {
                exchange.getRequestURI().getRawPath(),
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
              });
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    listener.start();
    try {
      Catalog catalog =
          writerCatalog(
              Map.of(
                  FloeCommitReporter.URL, "http://127.0.0.1:" + listener.getAddress().getPort()));

      Snapshot snapshot = commit(catalog, "reported");

      await().atMost(Duration.ofSeconds(30)).until(() -> !received.isEmpty());
      String[] request = received.get(0);
      assertThat(request[0]).matches("/v1/namespaces/reported/tables/orders_[0-9a-f]{6}/metrics");
      CommitReport report = (CommitReport) ReportMetricsRequestParser.fromJson(request[1]).report();
      assertThat(report.snapshotId()).isEqualTo(snapshot.snapshotId());
      assertThat(report.tableName()).startsWith(fixture.name() + ".reported.orders_");
    } finally {
      listener.stop(0);
    }
  }

  @Test
  void sendsEachCommitReportToTheHintsTopicKeyedByFloesTableKey() {
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        KafkaConsumer<String, String> hints =
            new KafkaConsumer<>(
                Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "hints-reader",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(),
                new StringDeserializer())) {
      Catalog catalog =
          writerCatalog(
              Map.of(
                  FloeCommitReporter.KAFKA_BOOTSTRAP_SERVERS,
                  kafka.bootstrapServers(),
                  FloeCommitReporter.CATALOG_NAME,
                  "prod"));

      Snapshot snapshot = commit(catalog, "kafka_reported");

      hints.subscribe(List.of("floe.hints"));
      List<ConsumerRecord<String, String>> records = new CopyOnWriteArrayList<>();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                hints.poll(Duration.ofMillis(200)).forEach(records::add);
                return !records.isEmpty();
              });
      assertThat(records.get(0).key()).startsWith("prod:kafka_reported.orders_");
      CommitReport report =
          (CommitReport) ReportMetricsRequestParser.fromJson(records.get(0).value()).report();
      assertThat(report.snapshotId()).isEqualTo(snapshot.snapshotId());
    }
  }

  @Test
  void aListenerThatIsDownNeverFailsTheCommit() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    Catalog catalog =
        writerCatalog(
            Map.of(
                FloeCommitReporter.URL, "http://127.0.0.1:" + closed,
                FloeCommitReporter.KAFKA_BOOTSTRAP_SERVERS, "127.0.0.1:" + closed,
                FloeCommitReporter.TIMEOUT_MS, "500"));

    Snapshot snapshot = commit(catalog, "unreported");

    assertThat(snapshot).isNotNull();
    assertThat(snapshot.operation()).isEqualTo("append");
  }

  @Test
  void readsCatalogNamespaceAndTableFromTheReportedName() {
    FloeCommitReporter.TableName name =
        FloeCommitReporter.TableName.parse("lake.sales.eu.orders", null);

    assertThat(name.catalog()).isEqualTo("lake");
    assertThat(name.namespace()).containsExactly("sales", "eu");
    assertThat(name.table()).isEqualTo("orders");
    assertThat(name.key()).isEqualTo("lake:sales.eu.orders");
    assertThat(FloeCommitReporter.TableName.parse("lake.sales.orders", "floe").key())
        .isEqualTo("floe:sales.orders");
  }
}
