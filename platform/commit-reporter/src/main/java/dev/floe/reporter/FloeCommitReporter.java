package dev.floe.reporter;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.metrics.CommitReport;
import org.apache.iceberg.metrics.MetricsReport;
import org.apache.iceberg.metrics.MetricsReporter;
import org.apache.iceberg.rest.requests.ReportMetricsRequest;
import org.apache.iceberg.rest.requests.ReportMetricsRequestParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each commit's {@link CommitReport} to Floe's commit-listener as a push hint, so that the
 * listener looks at the table at once instead of at its next poll. A hint is only a hint: the
 * listener builds every event from the catalog, so a lost hint only delays an event.
 *
 * <p>Configured with catalog properties, next to {@code
 * metrics-reporter-impl=dev.floe.reporter.FloeCommitReporter}:
 *
 * <ul>
 *   <li>{@value #URL}: the listener's base URL; reports go to the Iceberg REST spec path {@code
 *       /v1/namespaces/{namespace}/tables/{table}/metrics}
 *   <li>{@value #KAFKA_BOOTSTRAP_SERVERS}, {@value #KAFKA_TOPIC} (default {@code floe.hints}) and
 *       {@value #CATALOG_NAME}: send to the hints topic instead or as well; the key is {@code
 *       <catalog-name>:<namespace>.<table>} and must use Floe's catalog name
 *   <li>{@value #TIMEOUT_MS}: how long a send may take, default 2000
 *   <li>{@value #DELEGATE_IMPL}: another reporter that also receives every report
 * </ul>
 *
 * <p>Sends are asynchronous and never throw: a commit is never failed or slowed by a hint.
 * Thread-safe.
 */
public class FloeCommitReporter implements MetricsReporter {
  public static final String URL = "floe.reporter.url";
  public static final String KAFKA_BOOTSTRAP_SERVERS = "floe.reporter.kafka.bootstrap-servers";
  public static final String KAFKA_TOPIC = "floe.reporter.kafka.topic";
  public static final String CATALOG_NAME = "floe.reporter.catalog-name";
  public static final String TIMEOUT_MS = "floe.reporter.timeout-ms";
  public static final String DELEGATE_IMPL = "floe.reporter.delegate-impl";

  private static final Logger LOG = LoggerFactory.getLogger(FloeCommitReporter.class);

  private URI url;
  private Duration timeout = Duration.ofSeconds(2);
  private HttpClient http;
  private KafkaHints kafka;
  private String catalogName;
  private MetricsReporter delegate;

  @Override
  public void initialize(Map<String, String> properties) {
    timeout = Duration.ofMillis(Long.parseLong(properties.getOrDefault(TIMEOUT_MS, "2000")));
    catalogName = properties.get(CATALOG_NAME);
    String base = properties.get(URL);
    if (base != null && !base.isBlank()) {
      url = URI.create(base.endsWith("/") ? base : base + "/");
      http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }
    String bootstrap = properties.get(KAFKA_BOOTSTRAP_SERVERS);
    if (bootstrap != null && !bootstrap.isBlank()) {
      try {
        kafka =
            new KafkaHints(bootstrap, properties.getOrDefault(KAFKA_TOPIC, "floe.hints"), timeout);
      } catch (LinkageError e) {
        LOG.warn(
            "{} is set but kafka-clients is not on the classpath; Kafka hints are off",
            KAFKA_BOOTSTRAP_SERVERS);
      }
    }
    String delegateImpl = properties.get(DELEGATE_IMPL);
    if (delegateImpl != null && !delegateImpl.isBlank()) {
      delegate = CatalogUtil.loadMetricsReporter(Map.of("metrics-reporter-impl", delegateImpl));
    }
    if (url == null && kafka == null) {
      LOG.warn(
          "neither {} nor {} is set: no commit hint will be sent", URL, KAFKA_BOOTSTRAP_SERVERS);
    }
  }

  @Override
  public void report(MetricsReport report) {
    if (delegate != null) {
      try {
        delegate.report(report);
      } catch (RuntimeException e) {
        LOG.warn("delegate reporter failed: {}", e.toString());
      }
    }
    if (!(report instanceof CommitReport commit)) {
      return;
    }
    try {
      TableName name = TableName.parse(commit.tableName(), catalogName);
      String json = ReportMetricsRequestParser.toJson(ReportMetricsRequest.of(commit));
      if (http != null) {
        post(name, json);
      }
      if (kafka != null) {
        kafka.send(name.key(), json);
      }
    } catch (RuntimeException e) {
      LOG.warn("cannot send a commit hint for {}: {}", commit.tableName(), e.toString());
    }
  }

  private void post(TableName name, String json) {
    String namespace =
        URLEncoder.encode(String.join("\u001f", name.namespace()), StandardCharsets.UTF_8)
            .replace("+", "%20");
    String table = URLEncoder.encode(name.table(), StandardCharsets.UTF_8).replace("+", "%20");
    HttpRequest request =
        HttpRequest.newBuilder(
                url.resolve("v1/namespaces/" + namespace + "/tables/" + table + "/metrics"))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build();
    http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .whenComplete(
            (response, error) -> {
              if (error != null) {
                LOG.debug("commit hint for {} not delivered: {}", name, error.toString());
              } else if (response.statusCode() >= 300) {
                LOG.warn("commit hint for {} refused with HTTP {}", name, response.statusCode());
              }
            });
  }

  @Override
  public void close() {
    if (kafka != null) {
      kafka.close();
    }
    if (delegate != null) {
      delegate.close();
    }
  }

  /**
   * A table as Iceberg names it in reports: {@code <catalog>.<namespace…>.<table>}.
   *
   * @param catalog Floe's name of the catalog, for the Kafka key
   */
  record TableName(String catalog, String[] namespace, String table) {

    static TableName parse(String reported, String catalogOverride) {
      String[] parts = reported.split("\\.");
      if (parts.length < 2) {
        throw new IllegalArgumentException(
            "cannot tell namespace from table in '" + reported + "'");
      }
      boolean hasCatalog = parts.length >= 3;
      String catalog = catalogOverride != null ? catalogOverride : hasCatalog ? parts[0] : "floe";
      String[] namespace = Arrays.copyOfRange(parts, hasCatalog ? 1 : 0, parts.length - 1);
      return new TableName(catalog, namespace, parts[parts.length - 1]);
    }

    String key() {
      return catalog + ":" + String.join(".", namespace) + "." + table;
    }

    @Override
    public String toString() {
      return key();
    }
  }
}
