package dev.floe.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.topic.Topics;
import dev.floe.reporter.FloeCommitReporter;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.host.Ports;
import dev.floe.stack.host.ServiceProcess;
import dev.floe.stack.kafka.EmbeddedKafka;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * Commit-to-event latency of the packaged commit-listener on a real broker and the SQLite catalog:
 * from a snapshot's commit timestamp to the moment a downstream consumer reads its {@code
 * SnapshotCommitted}. Two modes: with the writer-side reporter's push hints, and polling only.
 *
 * <pre>
 * testing/bin/floe-bench listener-latency [--commits 200] [--pace-ms 250] [--poll-interval-ms 1000]
 * </pre>
 */
public final class ListenerLatencyBenchmark {
  private static final int WARM_UP = 20;

  private ListenerLatencyBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = Bench.options(args);
    int commits = Integer.parseInt(options.getOrDefault("--commits", "200"));
    Duration pace = Duration.ofMillis(Long.parseLong(options.getOrDefault("--pace-ms", "250")));
    Duration pollInterval =
        Duration.ofMillis(Long.parseLong(options.getOrDefault("--poll-interval-ms", "1000")));
    Path app =
        Path.of(options.getOrDefault("--app", "commit-listener/target/quarkus-app"))
            .toAbsolutePath();
    Path home = FloeStack.workDir("bench-listener");

    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        CatalogFixture catalog = CatalogFixture.start(CatalogKind.SQLITE, home)) {
      Map<String, Percentiles> results = new LinkedHashMap<>();
      results.put(
          "push hints (reporter over REST), polling every 30 s",
          run(kafka, catalog, app, home, "hints", true, Duration.ofSeconds(30), commits, pace));
      results.put(
          "polling only, every " + pollInterval.toMillis() + " ms",
          run(kafka, catalog, app, home, "polling", false, pollInterval, commits, pace));
      print(results, commits, pace);
      writeJson(results, commits, pace, Path.of("testing/benchmarks/target/listener-latency.json"));
      Iterator<Percentiles> modes = results.values().iterator();
      Percentiles hinted = modes.next();
      Percentiles polled = modes.next();
      // Latencies of single events on two shared cores: only a large move is a regression.
      Figures.record(
          "listener-latency",
          List.of(
              Figures.Figure.lower("listener-latency hints p50 ms", hinted.p50(), 0.5),
              Figures.Figure.lower("listener-latency hints p99 ms", hinted.p99(), 1.0),
              Figures.Figure.lower("listener-latency polling p50 ms", polled.p50(), 0.5)));
    }
  }

  private static void writeJson(
      Map<String, Percentiles> results, int commits, Duration pace, Path file) throws IOException {
    ObjectNode json = new ObjectMapper().createObjectNode();
    json.put("benchmark", "listener-latency")
        .put("commits", commits)
        .put("warmUp", WARM_UP)
        .put("paceMs", pace.toMillis());
    ArrayNode modes = json.putArray("modes");
    results.forEach(
        (mode, p) ->
            modes
                .addObject()
                .put("mode", mode)
                .put("events", p.count())
                .put("p50Ms", p.p50())
                .put("p95Ms", p.p95())
                .put("p99Ms", p.p99())
                .put("maxMs", p.max()));
    Files.createDirectories(file.getParent());
    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json);
    System.out.println("written " + file);
  }

  private static Percentiles run(
      EmbeddedKafka kafka,
      CatalogFixture catalog,
      Path app,
      Path home,
      String namespace,
      boolean hints,
      Duration pollInterval,
      int commits,
      Duration pace)
      throws Exception {
    Map<String, String> config = new LinkedHashMap<>(catalog.floeConfig());
    config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
    config.put("floe.listener.instance-id", "bench-" + namespace);
    config.put("floe.listener.watch.tables", namespace + ".orders");
    config.put("floe.listener.poll.min-interval", pollInterval.toMillis() + "ms");
    config.put("floe.listener.poll.max-interval", pollInterval.toMillis() + "ms");
    TableIdentifier id = TableIdentifier.of(namespace, "orders");
    new TableWriter(catalog.catalog()).createOrLoad(id, Orders.SCHEMA, Orders.BY_DAY);

    try (ServiceProcess listener =
            ServiceProcess.start(
                "commit-listener-" + namespace, app, freePort(), config, home.resolve("logs"));
        Reader reader = new Reader(kafka.bootstrapServers())) {
      listener.awaitReady(Duration.ofMinutes(2));
      Catalog writerCatalog = writerCatalog(catalog, hints ? listener.url().toString() : null);
      TableWriter writer = new TableWriter(writerCatalog);
      Table table = writerCatalog.loadTable(id);
      Map<Long, Instant> committedAt = new LinkedHashMap<>();
      OffsetDateTime ts = OffsetDateTime.of(2026, 11, 26, 0, 0, 0, 0, ZoneOffset.UTC);
      long next = System.nanoTime();
      for (int i = 0; i < commits; i++) {
        Snapshot s =
            writer.append(
                table, List.of(Orders.order(table, i, "eu-west", "NEW", BigDecimal.ONE, ts)));
        committedAt.put(s.snapshotId(), Instant.ofEpochMilli(s.timestampMillis()));
        next += pace.toNanos();
        LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!reader.received.keySet().containsAll(committedAt.keySet())
          && System.nanoTime() < deadline) {
        LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
      }
      List<Long> endToEnd = new ArrayList<>();
      List<Long> detection = new ArrayList<>();
      committedAt.entrySet().stream()
          .skip(WARM_UP)
          .forEach(
              e -> {
                Received r = reader.received.get(e.getKey());
                endToEnd.add(r == null ? Long.MAX_VALUE : r.at() - e.getValue().toEpochMilli());
                detection.add(r == null ? Long.MAX_VALUE : r.detectionLatencyMs());
              });
      System.out.printf(
          "%s: listener detection latency %s%n", namespace, Percentiles.of(detection));
      return Percentiles.of(endToEnd);
    }
  }

  /** When a snapshot's event was read, and the detection latency the listener recorded in it. */
  private record Received(long at, long detectionLatencyMs) {}

  /** A downstream consumer on its own thread, noting when each event arrives. */
  private static final class Reader implements AutoCloseable {
    final Map<Long, Received> received = new ConcurrentHashMap<>();
    private final EventTap tap;
    private final Thread thread;
    private volatile boolean running = true;

    Reader(String bootstrapServers) {
      tap = new EventTap(bootstrapServers, Topics.SNAPSHOTS);
      thread =
          new Thread(
              () -> {
                int seen = 0;
                while (running) {
                  List<EventTap.Received> all = tap.poll(Duration.ofMillis(10));
                  long now = System.currentTimeMillis();
                  for (EventTap.Received r : all.subList(seen, all.size())) {
                    if (r.event().payload() instanceof SnapshotCommitted s) {
                      received.putIfAbsent(
                          s.snapshotId(), new Received(now, s.detectionLatencyMs()));
                    }
                  }
                  seen = all.size();
                }
              },
              "bench-reader");
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join();
      tap.close();
    }
  }

  private static Catalog writerCatalog(CatalogFixture catalog, String listenerUrl) {
    Map<String, String> props = new HashMap<>(catalog.properties());
    if (listenerUrl != null) {
      props.put("metrics-reporter-impl", FloeCommitReporter.class.getName());
      props.put(FloeCommitReporter.URL, listenerUrl);
    }
    return CatalogUtil.buildIcebergCatalog(catalog.name(), props, new Configuration());
  }

  private static void print(Map<String, Percentiles> results, int commits, Duration pace) {
    System.out.printf(
        "%nCommit-to-event latency, %d commits one every %d ms (first %d not counted), %d cores:%n%n",
        commits, pace.toMillis(), WARM_UP, Runtime.getRuntime().availableProcessors());
    System.out.println("| mode | events | p50 | p95 | p99 | max |");
    System.out.println("|---|---|---|---|---|---|");
    results.forEach(
        (mode, p) ->
            System.out.printf(
                "| %s | %d | %d ms | %d ms | %d ms | %d ms |%n",
                mode, p.count(), p.p50(), p.p95(), p.p99(), p.max()));
  }

  private static int freePort() throws IOException {
    return Ports.freePort();
  }
}
