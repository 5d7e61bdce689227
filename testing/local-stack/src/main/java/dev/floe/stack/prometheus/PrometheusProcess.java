package dev.floe.stack.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.stack.host.ChildProcesses;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real Prometheus server, from the machine's {@code prometheus} binary (Debian package {@code
 * prometheus}), scraping the services of a local stack with Floe's own alert rules ({@code
 * deploy/prometheus/rules}). Its configuration is Floe's compose configuration with 127.0.0.1
 * targets: the same job names, metrics path and rule files.
 */
public final class PrometheusProcess implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final int port;
  private final Path log;
  private final Process process;

  private PrometheusProcess(int port, Path log, Process process) {
    this.port = port;
    this.log = log;
    this.process = process;
  }

  /** The {@code prometheus} binary on the PATH, or in {@code $FLOE_PROMETHEUS}; empty when none. */
  public static Optional<Path> binary() {
    return executable("prometheus", "FLOE_PROMETHEUS");
  }

  /** The {@code promtool} binary that comes with Prometheus; empty when none. */
  public static Optional<Path> promtool() {
    return executable("promtool", "FLOE_PROMTOOL");
  }

  private static Optional<Path> executable(String name, String env) {
    String configured = System.getenv(env);
    if (configured != null && !configured.isBlank()) {
      return Optional.of(Path.of(configured)).filter(Files::isExecutable);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * Writes the configuration, starts Prometheus on 127.0.0.1:{@code port} with its data under
   * {@code home}, and waits until it is ready.
   *
   * @param targets scrape job (a service name) to the service's base URL
   * @param rules the directory of rule files, normally {@code deploy/prometheus/rules}
   */
  public static PrometheusProcess start(
      Path home, int port, Map<String, URI> targets, Path rules, Duration scrapeInterval) {
    Path binary =
        binary()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "no prometheus binary on the PATH: install it (apt-get install -y"
                            + " prometheus) or set FLOE_PROMETHEUS"));
    try {
      Files.createDirectories(home.resolve("data"));
      Path config = home.resolve("prometheus.yml");
      Files.writeString(config, config(targets, rules, scrapeInterval));
      Path log = home.resolve("prometheus.log");
      Process process =
          ChildProcesses.register(
              new ProcessBuilder(
                      binary.toString(),
                      "--config.file=" + config.toAbsolutePath(),
                      "--storage.tsdb.path=" + home.resolve("data").toAbsolutePath(),
                      "--web.listen-address=127.0.0.1:" + port,
                      "--log.level=warn")
                  .redirectErrorStream(true)
                  .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                  .start());
      PrometheusProcess prometheus = new PrometheusProcess(port, log, process);
      try {
        prometheus.awaitReady(Duration.ofSeconds(60));
      } catch (RuntimeException e) {
        prometheus.close();
        throw e;
      }
      return prometheus;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Prometheus", e);
    }
  }

  /** The configuration: one job per service, Floe's rule files, and a short evaluation period. */
  static String config(Map<String, URI> targets, Path rules, Duration scrapeInterval) {
    StringBuilder out = new StringBuilder();
    String every = scrapeInterval.toMillis() + "ms";
    out.append("global:\n");
    out.append("  scrape_interval: ").append(every).append('\n');
    out.append("  evaluation_interval: ").append(every).append('\n');
    out.append("rule_files:\n");
    out.append("  - \"").append(rules.toAbsolutePath().resolve("*.yml")).append("\"\n");
    out.append("scrape_configs:\n");
    targets.forEach(
        (job, url) -> {
          out.append("  - job_name: ").append(job).append('\n');
          out.append("    metrics_path: /q/metrics\n");
          out.append("    static_configs:\n");
          out.append("      - targets: [\"")
              .append(url.getHost())
              .append(':')
              .append(url.getPort())
              .append("\"]\n");
        });
    return out.toString();
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public Path log() {
    return log;
  }

  private void awaitReady(Duration timeout) {
    HttpRequest ready =
        HttpRequest.newBuilder(url().resolve("/-/ready")).timeout(Duration.ofSeconds(5)).build();
    if (!ChildProcesses.awaitHttpOk(
        process, ready, Duration.ofMillis(200), timeout, "Prometheus", log)) {
      throw new IllegalStateException(
          "Prometheus was not ready within " + timeout + "; see " + log);
    }
  }

  /**
   * Evaluates {@code promql} now, through the HTTP API ({@code /api/v1/query}).
   *
   * @return the {@code data.result} array: one element per series, empty when there is no data
   * @throws IllegalArgumentException when Prometheus rejects the expression
   */
  public JsonNode query(String promql) {
    JsonNode answer =
        get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    if (!"success".equals(answer.path("status").asText())) {
      throw new IllegalArgumentException(
          "Prometheus rejected " + promql + ": " + answer.path("error").asText());
    }
    return answer.path("data").path("result");
  }

  /** The scrape targets and their health ({@code /api/v1/targets}, active ones). */
  public List<JsonNode> targets() {
    JsonNode active = get("/api/v1/targets?state=active").path("data").path("activeTargets");
    return List.copyOf(
        JSON.convertValue(
            active, JSON.getTypeFactory().constructCollectionType(List.class, JsonNode.class)));
  }

  /** The loaded rule groups ({@code /api/v1/rules}). */
  public JsonNode rules() {
    return get("/api/v1/rules").path("data").path("groups");
  }

  private JsonNode get(String pathAndQuery) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(url() + pathAndQuery))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("Prometheus does not answer at " + url(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    ChildProcesses.stop(process);
  }
}
