package dev.floe.stack.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** One Floe service, run from its packaged Quarkus app as a separate process. */
public final class ServiceProcess implements AutoCloseable {
  /** How long a first start may take: a cold JVM on two busy cores. */
  public static final Duration COLD_START_LIMIT = Duration.ofSeconds(90);

  /** A restart may take this many times the service's cold start. */
  public static final int RESTART_FACTOR = 4;

  /**
   * The least a restart is given, since it may overlap a rebalance, a broker restart or a catalog
   * outage, during which a service is rightly not ready.
   */
  public static final Duration MIN_RESTART_BUDGET = Duration.ofSeconds(60);

  /**
   * The JVM settings of the packaged services, as their images start them ({@code quarkus.jib.*} in
   * each service's {@code application.properties}): the C1 compiler only, the serial collector, and
   * a heap that starts small and gives memory back. Measured in docs/performance.md.
   */
  public static final List<String> JVM_SETTINGS =
      List.of(
          "-XX:TieredStopAtLevel=1",
          "-XX:+UseSerialGC",
          "-Xms48m",
          "-XX:MinHeapFreeRatio=15",
          "-XX:MaxHeapFreeRatio=40");

  /** The environment the images give the services: glibc with two malloc arenas. */
  public static final Map<String, String> ENVIRONMENT = Map.of("MALLOC_ARENA_MAX", "2");

  private final String name;
  private final int port;
  private final Path log;
  private final Process process;
  private final Instant started = Instant.now();
  private volatile Duration startedIn;

  private ServiceProcess(String name, int port, Path log, Process process) {
    this.name = name;
    this.port = port;
    this.log = log;
    this.process = process;
  }

  /**
   * From the process's start to the first ready answer {@link #awaitReady} saw; null before that.
   */
  public Duration startedIn() {
    return startedIn;
  }

  /**
   * Starts {@code java -jar app/quarkus-run.jar} with {@code config} in a properties file named by
   * {@code QUARKUS_CONFIG_LOCATIONS}, as a container gets it: passwords and keys stay out of the
   * process list, and the file is readable by its owner only.
   *
   * @param app the service's {@code target/quarkus-app} directory
   */
  public static ServiceProcess start(
      String name, Path app, int port, Map<String, String> config, Path logDir) {
    Path jar = app.resolve("quarkus-run.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException(jar + " is missing: build with 'mvn -DskipTests package'");
    }
    List<String> command = ChildProcesses.java();
    // 256 MiB unless a benchmark asks for the heap a deployment gives (deploy/k8s: 60 % of 1 GiB).
    command.add("-Xmx" + System.getProperty("floe.stack." + name + ".heap", "256m"));
    command.addAll(JVM_SETTINGS);
    command.add("-Dquarkus.http.host=127.0.0.1");
    command.add("-Dquarkus.http.port=" + port);
    command.add("-jar");
    command.add(jar.toAbsolutePath().toString());
    try {
      Files.createDirectories(logDir);
      Path log = logDir.resolve(name + ".log");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().putAll(ENVIRONMENT);
      builder
          .environment()
          .put(
              "QUARKUS_CONFIG_LOCATIONS",
              writeConfig(logDir.resolveSibling("config"), name, config).toString());
      Process process = ChildProcesses.register(builder.start());
      return new ServiceProcess(name, port, log, process);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  /** {@code config} as {@code <dir>/<name>.properties}, outranking the app's own settings. */
  private static Path writeConfig(Path dir, String name, Map<String, String> config)
      throws IOException {
    Files.createDirectories(dir);
    Properties properties = new Properties();
    properties.putAll(config);
    // Above the app's application.properties (250), below environment variables (300).
    properties.put("config_ordinal", "270");
    Path file = dir.resolve(name + ".properties");
    Files.deleteIfExists(file);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      properties.store(out, name + ", written by the local stack");
    }
    return file.toAbsolutePath();
  }

  public String name() {
    return name;
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * The process's resident set size, from {@code /proc/<pid>/status}: what the service holds in
   * memory now, heap and everything else. -1 where that cannot be read (not Linux, or exited).
   */
  /** The service's process id. */
  public long pid() {
    return process.pid();
  }

  public long rssBytes() {
    try {
      for (String line :
          Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** Kills the process with SIGKILL, as a crash would: no shutdown hook runs. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Asks the JVM for a thread dump (SIGQUIT), which it writes to its log: for a test that finds the
   * service stuck.
   */
  public void dumpThreads() {
    try {
      new ProcessBuilder("kill", "-QUIT", Long.toString(process.pid()))
          .inheritIO()
          .start()
          .waitFor(5, TimeUnit.SECONDS);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The last {@code lines} lines of the log, for an error message: a service that fails to start
   * says why there, and a test run on CI keeps its messages, not its files.
   */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | RuntimeException e) {
      return "(the log cannot be read: " + e.getMessage() + ")";
    }
  }

  /** Waits for the process to end by itself and returns its exit code. */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(name + " still runs after " + timeout + "; see " + log);
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + name, e);
    }
  }

  /** The answer of {@code /q/health/ready}: its status code, or -1 when nothing answers. */
  public int readiness() {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(url().resolve("/q/health/ready"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /**
   * How long a restart of a service whose cold start took {@code coldStart} may take before it
   * counts as broken: {@value #RESTART_FACTOR} times the cold start, and at least {@link
   * #MIN_RESTART_BUDGET}. A restart that takes far longer is a bug to see, not to wait out.
   */
  public static Duration restartBudget(Duration coldStart) {
    Duration budget = coldStart.multipliedBy(RESTART_FACTOR);
    return budget.compareTo(MIN_RESTART_BUDGET) < 0 ? MIN_RESTART_BUDGET : budget;
  }

  /**
   * Waits for the first start, within {@link #COLD_START_LIMIT}, and returns the cold start: the
   * yardstick of {@link #restartBudget}.
   */
  public Duration awaitColdStart() {
    awaitReady(COLD_START_LIMIT);
    return startedIn;
  }

  /**
   * Waits for this restarted service within {@link #restartBudget}{@code (coldStart)}; a slower
   * restart fails, naming the budget, with a thread dump in the service's log.
   */
  public void awaitRestart(Duration coldStart) {
    Duration budget = restartBudget(coldStart);
    try {
      awaitReady(budget);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          "%s did not restart within %s (%d times its cold start of %s, at least %s)"
              .formatted(name, budget, RESTART_FACTOR, coldStart, MIN_RESTART_BUDGET),
          e);
    }
  }

  /** Waits until {@code /q/health/ready} answers 200 (UP). */
  public void awaitReady(Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name
                + " exited with "
                + process.exitValue()
                + "; see "
                + log
                + ", which ends:\n"
                + logTail(20));
      }
      if (readiness() == 200) {
        if (startedIn == null) {
          startedIn = Duration.between(started, Instant.now());
        }
        return;
      }
      try {
        TimeUnit.MILLISECONDS.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + name, e);
      }
    }
    dumpThreads();
    throw new IllegalStateException(
        name
            + " was not ready within "
            + timeout
            + " (a thread dump is in its log); see "
            + log
            + ", which ends:\n"
            + logTail(20));
  }

  @Override
  public void close() {
    ChildProcesses.stop(process);
  }
}
