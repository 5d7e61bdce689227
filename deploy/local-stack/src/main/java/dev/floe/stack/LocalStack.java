package dev.floe.stack;

import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.demo.DemoWriter;
import dev.floe.stack.kafka.KafkaProcess;
import dev.floe.stack.writer.TableWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;

/**
 * The one-command local stack: a KRaft broker process, the embedded SQLite catalog, the four
 * services from their packaged apps, and a demo writer committing to {@code demo.orders}.
 *
 * <p>State lives under {@code --home} (default {@code .floe-local}) and survives restarts; delete
 * that directory for a fresh start.
 */
public final class LocalStack implements AutoCloseable {
  /** The writer-side reporter that turns commits into push hints, loaded by name. */
  static final String REPORTER = "dev.floe.reporter.FloeCommitReporter";

  /** Settings of single services: the commit-listener watches the demo's namespace. */
  static final Map<String, Map<String, String>> SERVICE_CONFIG =
      Map.of("commit-listener", Map.of("floe.listener.watch.namespaces", "demo"));

  /** The services, in start order. */
  public static final List<String> SERVICES =
      List.of("commit-listener", "change-capture-service", "trigger-service", "backfill-service");

  /** Where and how to run. */
  public record Options(
      Path repo,
      Path home,
      int kafkaPort,
      int controllerPort,
      int firstHttpPort,
      Duration demoInterval,
      boolean demo) {

    public static Options defaults(Path repo) {
      return new Options(
          repo, repo.resolve(".floe-local"), 9092, 9093, 8081, Duration.ofSeconds(5), true);
    }
  }

  private final Options options;
  private final List<AutoCloseable> started = new ArrayList<>();
  private final List<ServiceProcess> services = new ArrayList<>();
  private final Map<String, Map<String, String>> configs = new LinkedHashMap<>();
  private KafkaProcess kafka;
  private CatalogFixture catalog;
  private DemoWriter demo;
  private boolean pushHints;

  private LocalStack(Options options) {
    this.options = options;
  }

  /** Starts everything and waits until each service reports ready. */
  public static LocalStack start(Options options) {
    LocalStack stack = new LocalStack(options);
    try {
      stack.startAll();
      return stack;
    } catch (RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  private void startAll() {
    Path home = options.home().toAbsolutePath();
    kafka =
        KafkaProcess.start(home.resolve("kafka"), options.kafkaPort(), options.controllerPort());
    started.add(kafka);
    catalog = CatalogFixture.start(CatalogKind.SQLITE, home.resolve("catalog"));
    started.add(catalog);
    Map<String, String> shared = new LinkedHashMap<>();
    shared.put("kafka.bootstrap.servers", kafka.bootstrapServers());
    shared.putAll(catalog.floeConfig());
    int port = options.firstHttpPort();
    for (String service : SERVICES) {
      Map<String, String> config = new LinkedHashMap<>(shared);
      config.putAll(SERVICE_CONFIG.getOrDefault(service, Map.of()));
      // The decision cores' local state lives with the stack, not in the system's temp dir.
      if (service.equals("trigger-service")) {
        config.put("floe.trigger.state-dir", home.resolve("trigger-state").toString());
      }
      if (service.equals("backfill-service")) {
        config.put("floe.backfill.state-dir", home.resolve("backfill-state").toString());
      }
      configs.put(service, config);
      Path app = options.repo().resolve(service).resolve("target").resolve("quarkus-app");
      ServiceProcess process =
          ServiceProcess.start(service, app, port++, config, home.resolve("logs"));
      services.add(process);
      started.add(process);
    }
    for (ServiceProcess service : services) {
      service.awaitReady(Duration.ofMinutes(2));
    }
    if (options.demo()) {
      demo = new DemoWriter(new TableWriter(demoCatalog()), options.demoInterval());
      demo.start();
      started.add(demo);
    }
  }

  /**
   * The demo writer's catalog: the stack's catalog with Floe's commit reporter, so that each demo
   * commit reaches the commit-listener as a push hint. The reporter is loaded by class name, as a
   * writer loads it; without it on the classpath the demo relies on polling alone.
   */
  private Catalog demoCatalog() {
    Map<String, String> props = new LinkedHashMap<>(catalog.properties());
    props.put("metrics-reporter-impl", REPORTER);
    props.put("floe.reporter.url", services.get(0).url().toString());
    try {
      Catalog reporting =
          CatalogUtil.buildIcebergCatalog(catalog.name(), props, new Configuration());
      pushHints = true;
      return reporting;
    } catch (RuntimeException e) {
      System.err.println("commit reporter not on the classpath, the demo relies on polling: " + e);
      return catalog.catalog();
    }
  }

  public KafkaProcess kafka() {
    return kafka;
  }

  public CatalogFixture catalog() {
    return catalog;
  }

  public List<ServiceProcess> services() {
    return List.copyOf(services);
  }

  /** The running process of {@code name}. */
  public ServiceProcess service(String name) {
    return services.stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no service " + name));
  }

  /**
   * Starts {@code name} again, with its configuration and port, once its process has ended (a test
   * kills it first), and waits until it is ready.
   */
  public ServiceProcess restart(String name) {
    ServiceProcess old = service(name);
    if (old.isAlive()) {
      throw new IllegalStateException(name + " still runs: kill it first");
    }
    Path app = options.repo().resolve(name).resolve("target").resolve("quarkus-app");
    ServiceProcess process =
        ServiceProcess.start(
            name,
            app,
            old.url().getPort(),
            configs.get(name),
            options.home().toAbsolutePath().resolve("logs"));
    services.set(services.indexOf(old), process);
    started.set(started.indexOf(old), process);
    process.awaitReady(Duration.ofMinutes(2));
    return process;
  }

  /** What a newcomer needs to know, with every URL. */
  public String summary() {
    StringBuilder out = new StringBuilder();
    out.append("\nFloe local stack is up.\n\n");
    out.append(String.format("  %-24s %s%n", "Kafka bootstrap", kafka.bootstrapServers()));
    out.append(
        String.format(
            "  %-24s %s%n",
            "Iceberg catalog", catalog.name() + " (" + catalog.properties().get("uri") + ")"));
    out.append(String.format("  %-24s %s%n", "Warehouse", catalog.properties().get("warehouse")));
    for (ServiceProcess service : services) {
      out.append(String.format("  %-24s %s%n", service.name(), service.url()));
    }
    out.append(
        String.format(
            "  %-24s %s%n",
            "on every service", "/q/health/ready  /q/metrics  /q/openapi  /q/swagger-ui"));
    if (demo != null) {
      out.append(
          String.format(
              "  %-24s commits to %s:demo.orders every %ss%s%n",
              "Demo writer",
              catalog.name(),
              options.demoInterval().toSeconds(),
              pushHints ? ", with push hints to commit-listener" : ""));
    }
    out.append(String.format("  %-24s %s%n", "Logs", options.home().resolve("logs")));
    out.append("\nPress Ctrl-C to stop.\n");
    return out.toString();
  }

  @Override
  public void close() {
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        System.err.println("while stopping: " + e);
      }
    }
    started.clear();
  }

  public static void main(String[] args) throws Exception {
    StackLogging.configure();
    Path repo = Path.of("").toAbsolutePath();
    if (!Files.exists(repo.resolve("commit-listener"))) {
      System.err.println("run from the root of the Floe repository");
      System.exit(2);
    }
    Options options = parse(args, Options.defaults(repo));
    System.out.println("Starting Kafka, the catalog and " + SERVICES.size() + " services...");
    LocalStack stack = start(options);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("\nStopping the local stack...");
                  stack.close();
                  stopped.countDown();
                }));
    System.out.println(stack.summary());
    stopped.await();
  }

  private static Options parse(String[] args, Options defaults) {
    Path home = defaults.home();
    int kafkaPort = defaults.kafkaPort();
    int httpPort = defaults.firstHttpPort();
    Duration demoInterval = defaults.demoInterval();
    boolean demo = defaults.demo();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--no-demo")) {
        demo = false;
        continue;
      }
      if (i + 1 == args.length) {
        usage();
      }
      String value = args[++i];
      switch (flag) {
        case "--home" -> home = Path.of(value);
        case "--kafka-port" -> kafkaPort = Integer.parseInt(value);
        case "--http-port" -> httpPort = Integer.parseInt(value);
        case "--demo-interval" -> demoInterval = Duration.ofSeconds(Long.parseLong(value));
        default -> usage();
      }
    }
    return new Options(
        defaults.repo(), home, kafkaPort, kafkaPort + 1, httpPort, demoInterval, demo);
  }

  private static void usage() {
    System.err.println(
        "usage: floe-local [--home DIR] [--kafka-port 9092] [--http-port 8081]"
            + " [--demo-interval SECONDS] [--no-demo]");
    System.exit(2);
  }
}
