package dev.floe.listener.it;

import static io.restassured.RestAssured.given;

import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.stack.auth.DevAuth;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.host.Ports;
import dev.floe.stack.host.ServiceProcess;
import dev.floe.stack.kafka.KafkaBroker;
import dev.floe.stack.test.EventTap;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** Runs the packaged commit-listener as a process, as production does. */
final class ListenerProcesses {
  static final Path APP =
      Path.of(System.getProperty("floe.listener.app", "target/quarkus-app")).toAbsolutePath();

  private ListenerProcesses() {}

  static Map<String, String> config(
      KafkaBroker kafka, CatalogFixture catalog, String instance, String namespace) {
    Map<String, String> config = new LinkedHashMap<>(catalog.floeConfig());
    config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
    config.put("floe.listener.instance-id", instance);
    config.put("floe.listener.watch.namespaces", namespace);
    config.put("floe.listener.poll.min-interval", "100ms");
    config.put("floe.listener.poll.max-interval", "1s");
    config.put("floe.listener.discovery-interval", "300ms");
    config.put("quarkus.log.category.\"dev.floe\".level", "DEBUG");
    return config;
  }

  static ServiceProcess start(Map<String, String> config, Path logs) {
    Map<String, String> all = new LinkedHashMap<>(config);
    all.putAll(DevAuth.forTests().serviceConfig());
    return ServiceProcess.start("commit-listener", APP, freePort(), all, logs);
  }

  /**
   * Every listener a test starts, closed together when the test ends, whatever failed in between: a
   * restart that never got ready, an await that timed out. Not thread-safe.
   */
  static final class Instances implements AutoCloseable {
    private final List<ServiceProcess> started = new ArrayList<>();

    ServiceProcess start(Map<String, String> config, Path logs) {
      ServiceProcess listener = ListenerProcesses.start(config, logs);
      started.add(listener);
      return listener;
    }

    @Override
    public void close() {
      started.forEach(ServiceProcess::close);
    }
  }

  /** How many watched tables the instance polls, as its REST status says. */
  static int tablesPolledBy(ServiceProcess listener) {
    List<Boolean> here =
        given()
            .baseUri(listener.url().toString())
            .header("Authorization", "Bearer " + DevAuth.forTests().token("it", List.of("viewer")))
            .get("/watches")
            .jsonPath()
            .getList("polledHere");
    return (int) here.stream().filter(Boolean::booleanValue).count();
  }

  static Set<Long> published(EventTap tap) {
    return tap.payloads(SnapshotCommitted.class, s -> true).stream()
        .map(SnapshotCommitted::snapshotId)
        .collect(Collectors.toSet());
  }

  static int freePort() {
    return Ports.freePort();
  }
}
