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
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The one-command local stack: a KRaft broker process, the embedded SQLite catalog, the four
 * services from their packaged apps, and a demo writer committing to {@code demo.orders}.
 *
 * <p>State lives under {@code --home} (default {@code .floe-local}) and survives restarts; delete
 * that directory for a fresh start.
 */
public final class LocalStack implements AutoCloseable {
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

    /** With the demo writer committing to {@code demo.orders} every {@code interval}. */
    public Options withDemo(Duration interval) {
      return new Options(
          repo,
          home,
          kafkaPort,
          controllerPort,
          firstHttpPort,
          interval,
          true,
          prometheusPort,
          scrapeInterval,
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

  private final Options options;
  private final StartedParts started = new StartedParts();
  private final StackServices services;
  private KafkaProcess kafka;
  private PrometheusProcess prometheus;
  private CatalogFixture catalog;
  private StackTokens tokens;
  private DemoWriter demo;
  private boolean pushHints;

  private LocalStack(Options options) {
    this.options = options;
    this.services = new StackServices(options.repo(), options.home().toAbsolutePath(), started);
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
    tokens = StackTokens.open(home.resolve("auth"));
    Map<String, String> shared = new LinkedHashMap<>();
    shared.put("kafka.bootstrap.servers", kafka.bootstrapServers());
    shared.putAll(catalog.floeConfig());
    shared.putAll(tokens.auth().serviceConfig());
    services.startAll(shared, options.serviceConfig(), options.firstHttpPort());
    if (options.prometheusPort() > 0) {
      Map<String, URI> targets = new LinkedHashMap<>();
      services.all().forEach(s -> targets.put(s.name(), s.url()));
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
      DemoCatalog demoCatalog = DemoCatalog.of(catalog, services.all().get(0).url());
      pushHints = demoCatalog.pushHints();
      demo = new DemoWriter(new TableWriter(demoCatalog.catalog()), options.demoInterval());
      demo.start();
      started.add(demo);
    }
  }

  /**
   * A bearer token for {@code role} ({@code viewer}, {@code operator} or {@code admin}) from the
   * stack's development issuer, valid for 30 days.
   */
  public String token(String role) {
    return tokens.token(role);
  }

  /** The file holding the stack's token for {@code role}, for the CLI's {@code --token-file}. */
  public Path tokenFile(String role) {
    return StackTokens.file(options.home().toAbsolutePath().resolve("auth"), role);
  }

  /** The development issuer the services trust, to mint tokens with other claims. */
  public DevAuth auth() {
    return tokens.auth();
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
    return services.all();
  }

  /** The running process of {@code name}. */
  public ServiceProcess service(String name) {
    return services.get(name);
  }

  /**
   * Starts {@code name} again, with its configuration and port, once its process has ended (a test
   * kills it first), and waits until it is ready.
   */
  public ServiceProcess restart(String name) {
    return services.restart(name);
  }

  /**
   * How long a restart of {@code name} may take before it counts as broken: {@link
   * ServiceProcess#restartBudget} of its cold start in this stack, when all four started at once on
   * the same cores.
   */
  public Duration restartBudget(String name) {
    return services.restartBudget(name);
  }

  /** What a newcomer needs to know, with every URL. */
  public String summary() {
    return new StackSummary(
            options, kafka, catalog, services.all(), demo != null, pushHints, prometheus)
        .text();
  }

  /**
   * Stops everything in the reverse order of its start; the four services, which started side by
   * side, stop side by side, each taking its own graceful shutdown time at once.
   */
  @Override
  public void close() {
    started.closeAll();
  }

  public static void main(String[] args) throws Exception {
    StackLogging.configure();
    Path repo = Path.of("").toAbsolutePath();
    if (!RepoPaths.isRoot(repo)) {
      System.err.println("run from the root of the Floe repository");
      System.exit(2);
    }
    Options options = StackArguments.parse(args, Options.defaults(repo));
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
}
