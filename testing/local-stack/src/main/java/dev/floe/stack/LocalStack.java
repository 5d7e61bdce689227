package dev.floe.stack;

import dev.floe.stack.auth.DevAuth;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.catalog.S3Store;
import dev.floe.stack.demo.DemoWriter;
import dev.floe.stack.host.RepoPaths;
import dev.floe.stack.host.ServiceProcess;
import dev.floe.stack.host.StackLogging;
import dev.floe.stack.kafka.KafkaProcess;
import dev.floe.stack.prometheus.PrometheusProcess;
import dev.floe.stack.writer.TableWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
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

  /** The roles of the REST APIs, each with a token file in {@code <home>/auth}. */
  static final List<String> ROLES = List.of("viewer", "operator", "admin");

  private static final Duration TOKEN_TTL = Duration.ofDays(30);

  /** The services, in start order. */
  public static final List<String> SERVICES =
      List.of("commit-listener", "change-capture-service", "trigger-service", "backfill-service");

  /**
   * Where and how to run.
   *
   * @param prometheusPort where Prometheus listens; 0 starts none
   * @param scrapeInterval how often Prometheus scrapes and evaluates its rules
   * @param serviceConfig settings of single services, over the stack's own
   * @param s3 true to keep the warehouse on an S3-compatible server (s3proxy) started with the
   *     stack, which the services reach through Iceberg's S3FileIO
   * @param catalogKind the catalog the stack runs on: SQLite by default
   */
  public record Options(
      Path repo,
      Path home,
      int kafkaPort,
      int controllerPort,
      int firstHttpPort,
      Duration demoInterval,
      boolean demo,
      int prometheusPort,
      Duration scrapeInterval,
      Map<String, Map<String, String>> serviceConfig,
      boolean s3,
      CatalogKind catalogKind) {

    /** A stack without Prometheus. */
    public Options(
        Path repo,
        Path home,
        int kafkaPort,
        int controllerPort,
        int firstHttpPort,
        Duration demoInterval,
        boolean demo) {
      this(
          repo,
          home,
          kafkaPort,
          controllerPort,
          firstHttpPort,
          demoInterval,
          demo,
          0,
          Duration.ofSeconds(5),
          Map.of(),
          false,
          CatalogKind.SQLITE);
    }

    /** The command's defaults: Prometheus on 9090 when it is installed. */
    public static Options defaults(Path repo) {
      return new Options(
              repo, repo.resolve(".floe-local"), 9092, 9093, 8081, Duration.ofSeconds(5), true)
          .withPrometheus(PrometheusProcess.binary().isPresent() ? 9090 : 0, Duration.ofSeconds(5));
    }

    /** With Prometheus on {@code port} (0 for none), scraping every {@code interval}. */
    public Options withPrometheus(int port, Duration interval) {
      return new Options(
          repo,
          home,
          kafkaPort,
          controllerPort,
          firstHttpPort,
          demoInterval,
          demo,
          port,
          interval,
          serviceConfig,
          s3,
          catalogKind);
    }

    /** With {@code settings} for {@code service}, over the stack's own. */
    public Options withServiceConfig(String service, Map<String, String> settings) {
      Map<String, Map<String, String>> all = new LinkedHashMap<>(serviceConfig);
      all.merge(
          service,
          Map.copyOf(settings),
          (a, b) -> {
            Map<String, String> merged = new LinkedHashMap<>(a);
            merged.putAll(b);
            return Map.copyOf(merged);
          });
      return new Options(
          repo,
          home,
          kafkaPort,
          controllerPort,
          firstHttpPort,
          demoInterval,
          demo,
          prometheusPort,
          scrapeInterval,
          Map.copyOf(all),
          s3,
          catalogKind);
    }

    /** With the warehouse on an S3-compatible server started with the stack. */
    public Options withS3() {
      return new Options(
          repo,
          home,
          kafkaPort,
          controllerPort,
          firstHttpPort,
          demoInterval,
          demo,
          prometheusPort,
          scrapeInterval,
          serviceConfig,
          true,
          catalogKind);
    }

    /** On a catalog of {@code kind}: a JDBC catalog on PostgreSQL, or Iceberg's REST server. */
    public Options withCatalog(CatalogKind kind) {
      return new Options(
          repo,
          home,
          kafkaPort,
          controllerPort,
          firstHttpPort,
          demoInterval,
          demo,
          prometheusPort,
          scrapeInterval,
          serviceConfig,
          s3,
          kind);
    }
  }

  /** Stops services side by side; daemon threads, so they never hold a JVM open. */
  private static final Executor STOPPER =
      command -> {
        Thread thread = new Thread(command, "floe-stack-stop");
        thread.setDaemon(true);
        thread.start();
      };

  private final Options options;
  // Copy-on-write: a fault test restarts several services at once from threads of its own.
  private final List<AutoCloseable> started = new CopyOnWriteArrayList<>();
  private final List<ServiceProcess> services = new CopyOnWriteArrayList<>();
  private final Map<String, Map<String, String>> configs = new LinkedHashMap<>();
  private final Map<String, Duration> coldStarts = new ConcurrentHashMap<>();
  private KafkaProcess kafka;
  private PrometheusProcess prometheus;
  private CatalogFixture catalog;
  private DevAuth auth;
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
    S3Store s3 = null;
    if (options.s3()) {
      s3 = S3Store.start(home.resolve("s3"));
      started.add(s3);
    }
    catalog = CatalogFixture.start(options.catalogKind(), home.resolve("catalog"), s3);
    started.add(catalog);
    // Authentication on, as in production, with tokens from a development issuer kept with the
    // stack: one token file per role, for curl and the CLI.
    auth = DevAuth.open(home.resolve("auth"));
    for (String role : ROLES) {
      writeToken(tokenFile(role), token(role));
    }
    Map<String, String> shared = new LinkedHashMap<>();
    shared.put("kafka.bootstrap.servers", kafka.bootstrapServers());
    shared.putAll(catalog.floeConfig());
    shared.putAll(auth.serviceConfig());
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
      config.putAll(options.serviceConfig().getOrDefault(service, Map.of()));
      configs.put(service, config);
      Path app = RepoPaths.app(options.repo(), service);
      ServiceProcess process =
          ServiceProcess.start(service, app, port++, config, home.resolve("logs"));
      services.add(process);
      started.add(process);
    }
    for (ServiceProcess service : services) {
      service.awaitReady(Duration.ofMinutes(2));
      coldStarts.put(service.name(), service.startedIn());
    }
    if (options.prometheusPort() > 0) {
      Map<String, URI> targets = new LinkedHashMap<>();
      services.forEach(s -> targets.put(s.name(), s.url()));
      prometheus =
          PrometheusProcess.start(
              home.resolve("prometheus"),
              options.prometheusPort(),
              targets,
              RepoPaths.alertRules(options.repo()),
              options.scrapeInterval());
      started.add(prometheus);
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

  /**
   * A bearer token for {@code role} ({@code viewer}, {@code operator} or {@code admin}) from the
   * stack's development issuer, valid for 30 days.
   */
  public String token(String role) {
    return auth.token("local-" + role, List.of(role), DevAuth.ISSUER, Instant.now(), TOKEN_TTL);
  }

  /** The file holding the stack's token for {@code role}, for the CLI's {@code --token-file}. */
  public Path tokenFile(String role) {
    return options.home().toAbsolutePath().resolve("auth").resolve(role + ".token");
  }

  /** The development issuer the services trust, to mint tokens with other claims. */
  public DevAuth auth() {
    return auth;
  }

  private static void writeToken(Path file, String token) {
    try {
      Files.writeString(file, token + "\n", StandardCharsets.US_ASCII);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public KafkaProcess kafka() {
    return kafka;
  }

  public CatalogFixture catalog() {
    return catalog;
  }

  /** Prometheus, when the stack started it. */
  public Optional<PrometheusProcess> prometheus() {
    return Optional.ofNullable(prometheus);
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
    Path app = RepoPaths.app(options.repo(), name);
    ServiceProcess process =
        ServiceProcess.start(
            name,
            app,
            old.url().getPort(),
            configs.get(name),
            options.home().toAbsolutePath().resolve("logs"));
    services.set(services.indexOf(old), process);
    started.set(started.indexOf(old), process);
    process.awaitRestart(coldStart(name));
    return process;
  }

  /**
   * How long a restart of {@code name} may take before it counts as broken: {@link
   * ServiceProcess#restartBudget} of its cold start in this stack, when all four started at once on
   * the same cores.
   */
  public Duration restartBudget(String name) {
    return ServiceProcess.restartBudget(coldStart(name));
  }

  private Duration coldStart(String name) {
    return coldStarts.getOrDefault(name, Duration.ofSeconds(30));
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
    if (prometheus != null) {
      out.append(
          String.format(
              "  %-24s %s (Floe's alert rules loaded; dashboards: %s)%n",
              "Prometheus", prometheus.url(), RepoPaths.GRAFANA_DASHBOARDS));
    } else {
      out.append(
          String.format(
              "  %-24s not installed; 'apt-get install -y prometheus' adds it%n", "Prometheus"));
    }
    Path tokens = options.home().toAbsolutePath().resolve("auth");
    out.append(
        String.format(
            "  %-24s bearer tokens in %s/{viewer,operator,admin}.token (30 days)%n",
            "REST API auth", tokens));
    out.append(
        String.format(
            "  %-24s curl -H \"Authorization: Bearer $(cat %s/admin.token)\" %s/watches%n",
            "", tokens, services.get(0).url().toString().replaceAll("/$", "")));
    out.append(String.format("  %-24s %s%n", "Logs", options.home().resolve("logs")));
    out.append("\nPress Ctrl-C to stop.\n");
    return out.toString();
  }

  /**
   * Stops everything in the reverse order of its start; the four services, which started side by
   * side, stop side by side, each taking its own graceful shutdown time at once.
   */
  @Override
  public void close() {
    List<CompletableFuture<Void>> servicesStopping = new ArrayList<>();
    for (int i = started.size() - 1; i >= 0; i--) {
      AutoCloseable part = started.get(i);
      if (part instanceof ServiceProcess) {
        servicesStopping.add(CompletableFuture.runAsync(() -> stop(part), STOPPER));
        continue;
      }
      servicesStopping.forEach(CompletableFuture::join);
      servicesStopping.clear();
      stop(part);
    }
    servicesStopping.forEach(CompletableFuture::join);
    started.clear();
  }

  private static void stop(AutoCloseable part) {
    try {
      part.close();
    } catch (Exception e) {
      System.err.println("while stopping: " + e);
    }
  }

  public static void main(String[] args) throws Exception {
    StackLogging.configure();
    Path repo = Path.of("").toAbsolutePath();
    if (!RepoPaths.isRoot(repo)) {
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
    int prometheusPort = defaults.prometheusPort();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--no-demo")) {
        demo = false;
        continue;
      }
      if (flag.equals("--no-prometheus")) {
        prometheusPort = 0;
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
        case "--prometheus-port" -> prometheusPort = Integer.parseInt(value);
        default -> usage();
      }
    }
    return new Options(
            defaults.repo(), home, kafkaPort, kafkaPort + 1, httpPort, demoInterval, demo)
        .withPrometheus(prometheusPort, defaults.scrapeInterval());
  }

  private static void usage() {
    System.err.println(
        "usage: floe-local [--home DIR] [--kafka-port 9092] [--http-port 8081]"
            + " [--demo-interval SECONDS] [--no-demo] [--prometheus-port 9090] [--no-prometheus]");
    System.exit(2);
  }
}
