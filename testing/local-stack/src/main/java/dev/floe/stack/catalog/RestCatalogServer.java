package dev.floe.stack.catalog;

import dev.floe.stack.host.ChildProcesses;
import dev.floe.stack.host.Ports;
import dev.floe.stack.host.RepoPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Apache Iceberg's REST catalog server ({@code org.apache.iceberg.rest.RESTCatalogServer}) in its
 * own process. Its backend is a JdbcCatalog on a SQLite file, so the catalog survives {@link
 * #stop()} and {@link #start()}, which fault tests use to take the catalog away and bring it back.
 */
public final class RestCatalogServer implements AutoCloseable {
  private static final String CLASSPATH_RESOURCE = "floe/iceberg-rest-server.classpath";
  private static final String MAIN_CLASS = "org.apache.iceberg.rest.RESTCatalogServer";

  private final Path home;
  private final int port;
  private Process process;

  private RestCatalogServer(Path home, int port) {
    this.home = home;
    this.port = port;
  }

  /** Starts a server on a free port whose warehouse and backend live under {@code home}. */
  public static RestCatalogServer start(Path home) {
    RestCatalogServer server = new RestCatalogServer(home, Ports.freePort());
    server.start();
    return server;
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public Path warehouse() {
    return home.resolve("warehouse");
  }

  public synchronized void start() {
    try {
      Files.createDirectories(warehouse());
      ProcessBuilder builder =
          new ProcessBuilder(
                  Stream.concat(
                          ChildProcesses.java().stream(),
                          Stream.of(
                              "-Xmx256m",
                              "-cp",
                              ServerClasspath.read(
                                  CLASSPATH_RESOURCE, RepoPaths.REST_CATALOG_SERVER),
                              MAIN_CLASS))
                      .toList())
              .redirectErrorStream(true)
              .redirectOutput(
                  ProcessBuilder.Redirect.appendTo(home.resolve("rest-catalog.log").toFile()));
      Map<String, String> env = builder.environment();
      env.put("CATALOG_REST_PORT", Integer.toString(port));
      env.put("CATALOG_WAREHOUSE", warehouse().toUri().toString());
      env.put("CATALOG_URI", "jdbc:sqlite:" + home.resolve("rest-backend.db").toAbsolutePath());
      // One connection: SQLite has one writer, and a second pooled connection only contends.
      env.put("CATALOG_CLIENTS", "1");
      process = ChildProcesses.register(builder.start());
      awaitReady(Duration.ofSeconds(60));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Iceberg REST catalog server", e);
    }
  }

  public synchronized void stop() {
    ChildProcesses.stop(process);
  }

  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  @Override
  public void close() {
    stop();
  }

  private void awaitReady(Duration timeout) {
    HttpRequest config =
        HttpRequest.newBuilder(uri().resolve("/v1/config")).timeout(Duration.ofSeconds(2)).build();
    Path log = home.resolve("rest-catalog.log");
    if (!ChildProcesses.awaitHttpOk(
        process, config, Duration.ofMillis(100), timeout, "the REST catalog server", log)) {
      stop();
      throw new IllegalStateException(
          "the REST catalog server did not answer within " + timeout + "; see " + home);
    }
  }
}
