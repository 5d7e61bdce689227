package dev.floe.reporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.kafka.EmbeddedKafka;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.test.JobServer;
import dev.floe.stack.test.JobServer.Call;
import dev.floe.stack.test.JobServer.Reply;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.io.Closeable;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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

/**
 * A real writer with the reporter configured sends each commit's report; a listener that is down or
 * hung never fails the commit, nor holds it longer than the reporter's timeout.
 */
@Timeout(120)
class FloeCommitReporterTest {
  private static final OffsetDateTime TS =
      OffsetDateTime.of(2026, 11, 25, 0, 0, 0, 0, ZoneOffset.UTC);

  /** The reporter's send timeout in these tests ({@value FloeCommitReporter#TIMEOUT_MS}). */
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(1);

  /**
   * The least time the commit itself is given on top of the reporter's timeout; it gets three times
   * what the same commit takes without the reporter when that is more.
   */
  private static final Duration MIN_COMMIT_MARGIN = Duration.ofSeconds(3);

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
  void sendsEachCommitReportToTheListenersIcebergMetricsPath() {
    // The commit-listener's REST endpoint: it records each report and answers 204.
    try (JobServer listener = JobServer.start(2).on("/", call -> Reply.of(204))) {
      Catalog catalog = writerCatalog(Map.of(FloeCommitReporter.URL, listener.url("").toString()));

      Snapshot snapshot = commit(catalog, "reported");

      await().atMost(Duration.ofSeconds(30)).until(() -> !listener.calls().isEmpty());
      Call request = listener.calls().get(0);
      assertThat(request.path())
          .matches("/v1/namespaces/reported/tables/orders_[0-9a-f]{6}/metrics");
      CommitReport report =
          (CommitReport) ReportMetricsRequestParser.fromJson(request.body()).report();
      assertThat(report.snapshotId()).isEqualTo(snapshot.snapshotId());
      assertThat(report.tableName()).startsWith(fixture.name() + ".reported.orders_");
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
  void aListenerThatIsDownDelaysTheCommitByNoMoreThanTheReportersTimeout() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }

    assertCommitsWithinTheReportersTimeout(
        Map.of(
            FloeCommitReporter.URL, "http://127.0.0.1:" + closed,
            FloeCommitReporter.KAFKA_BOOTSTRAP_SERVERS, "127.0.0.1:" + closed));
  }

  @Test
  void aListenerThatAcceptsButNeverAnswersDelaysTheCommitByNoMoreThanTheReportersTimeout()
      throws IOException {
    try (SilentListener http = new SilentListener();
        SilentListener kafka = new SilentListener()) {

      assertCommitsWithinTheReportersTimeout(
          Map.of(
              FloeCommitReporter.URL, "http://127.0.0.1:" + http.port(),
              FloeCommitReporter.KAFKA_BOOTSTRAP_SERVERS, "127.0.0.1:" + kafka.port()));

      // The hints did reach the silent listeners: the commit returned while they hung.
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                assertThat(http.accepted()).as("connections to the HTTP listener").isPositive();
                assertThat(kafka.accepted()).as("connections to the Kafka listener").isPositive();
              });
    }
  }

  /**
   * Commits with the reporter sending to {@code listener} and {@link #SEND_TIMEOUT}: the commit
   * lands, and the writer gets it back within the reporter's timeout and what the commit itself
   * takes.
   */
  private static void assertCommitsWithinTheReportersTimeout(Map<String, String> listener) {
    Map<String, String> reporter = new HashMap<>(listener);
    reporter.put(FloeCommitReporter.TIMEOUT_MS, Long.toString(SEND_TIMEOUT.toMillis()));
    TableIdentifier id =
        TableIdentifier.of("unreported", "orders_" + UUID.randomUUID().toString().substring(0, 6));
    // The first commit in a JVM loads the Parquet and Avro writers, which takes seconds on a busy
    // machine: a commit without the reporter first keeps that out of the measure, and a second
    // one says what a commit takes here and now.
    TableWriter plain = new TableWriter(fixture.catalog());
    Table unreported = plain.createOrLoad(id, Orders.SCHEMA, Orders.BY_DAY);
    plain.append(unreported, List.of(order(unreported, 0)));
    long plainStarted = System.nanoTime();
    plain.append(unreported, List.of(order(unreported, 1)));
    Duration plainCommit = Duration.ofNanos(System.nanoTime() - plainStarted);
    Duration margin = max(MIN_COMMIT_MARGIN, plainCommit.multipliedBy(3));
    Duration bound = SEND_TIMEOUT.plus(margin);

    Catalog catalog = writerCatalog(reporter);
    TableWriter writer = new TableWriter(catalog);
    Table table = catalog.loadTable(id);
    ExecutorService committer = Executors.newSingleThreadExecutor();
    try {
      long started = System.nanoTime();
      CompletableFuture<Snapshot> commit =
          CompletableFuture.supplyAsync(
              () -> writer.append(table, List.of(order(table, 2))), committer);

      assertThat(commit)
          .as(
              "the commit, with the reporter's timeout at %s and %s without the reporter",
              SEND_TIMEOUT, plainCommit)
          .succeedsWithin(bound);
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .as("how long the commit took")
          .isLessThan(bound);
      Snapshot snapshot = commit.join();
      assertThat(snapshot.operation()).isEqualTo("append");
      assertThat(fixture.catalog().loadTable(id).currentSnapshot().snapshotId())
          .as("the catalog's current snapshot, read without the reporter")
          .isEqualTo(snapshot.snapshotId());
    } finally {
      committer.shutdownNow();
      closeQuietly(catalog);
    }
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

  private static org.apache.iceberg.data.Record order(Table table, long id) {
    return Orders.order(table, id, "eu-west", "NEW", BigDecimal.ONE, TS);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static void closeQuietly(Catalog catalog) {
    if (catalog instanceof Closeable closeable) {
      try {
        closeable.close();
      } catch (IOException e) {
        // the reporter's clients only; nothing to recover
      }
    }
  }

  /**
   * A listener that accepts every connection and never reads or answers, as a hung process would.
   */
  private static final class SilentListener implements AutoCloseable {
    private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final Thread acceptor = new Thread(this::accept, "silent-listener");

    SilentListener() throws IOException {
      acceptor.setDaemon(true);
      acceptor.start();
    }

    private void accept() {
      while (!socket.isClosed()) {
        try {
          connections.add(socket.accept());
        } catch (IOException closed) {
          return;
        }
      }
    }

    int port() {
      return socket.getLocalPort();
    }

    int accepted() {
      return connections.size();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket connection : connections) {
        connection.close();
      }
    }
  }
}
