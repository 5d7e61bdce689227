package dev.floe.stack;

import dev.floe.stack.host.RepoPaths;
import dev.floe.stack.host.ServiceProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The four service processes of a {@link LocalStack}: each started from its packaged app with the
 * stack's settings, its own and the caller's, registered with the stack's {@link StartedParts} so
 * that it stops with the stack, and restarted later with the same settings and port. Thread-safe
 * for restarts: a fault test restarts several services at once from threads of its own.
 */
final class StackServices {
  /** Settings of single services: the commit-listener watches the demo's namespace. */
  static final Map<String, Map<String, String>> SERVICE_CONFIG =
      Map.of("commit-listener", Map.of("floe.listener.watch.namespaces", "demo"));

  private final Path repo;
  private final Path home;
  private final StartedParts started;
  // Copy-on-write: a fault test restarts several services at once from threads of its own.
  private final List<ServiceProcess> services = new CopyOnWriteArrayList<>();
  private final Map<String, Map<String, String>> configs = new LinkedHashMap<>();
  private final Map<String, Duration> coldStarts = new ConcurrentHashMap<>();

  /**
   * @param repo the Floe repository, whose modules hold the packaged apps
   * @param home the stack's absolute home, for the services' logs and local state
   */
  StackServices(Path repo, Path home, StartedParts started) {
    this.repo = repo;
    this.home = home;
    this.started = started;
  }

  /**
   * Starts {@link LocalStack#SERVICES} side by side, on consecutive HTTP ports from {@code
   * firstPort}, and waits until each reports ready.
   *
   * @param shared the settings every service gets (broker, catalog, authentication)
   * @param overrides settings of single services, over the stack's own
   */
  void startAll(
      Map<String, String> shared, Map<String, Map<String, String>> overrides, int firstPort) {
    int port = firstPort;
    for (String service : LocalStack.SERVICES) {
      Map<String, String> config = new LinkedHashMap<>(shared);
      config.putAll(SERVICE_CONFIG.getOrDefault(service, Map.of()));
      // The decision cores' local state lives with the stack, not in the system's temp dir.
      if (service.equals("trigger-service")) {
        config.put("floe.trigger.state-dir", home.resolve("trigger-state").toString());
      }
      if (service.equals("backfill-service")) {
        config.put("floe.backfill.state-dir", home.resolve("backfill-state").toString());
      }
      config.putAll(overrides.getOrDefault(service, Map.of()));
      configs.put(service, config);
      ServiceProcess process =
          ServiceProcess.start(service, app(service), port++, config, home.resolve("logs"));
      services.add(process);
      started.add(process);
    }
    for (ServiceProcess service : services) {
      service.awaitReady(Duration.ofMinutes(2));
      coldStarts.put(service.name(), service.startedIn());
    }
  }

  /** The running processes, in start order. */
  List<ServiceProcess> all() {
    return List.copyOf(services);
  }

  /** The running process of {@code name}. */
  ServiceProcess get(String name) {
    return services.stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no service " + name));
  }

  /**
   * Starts {@code name} again, with its configuration and port, once its process has ended, and
   * waits until it is ready.
   */
  ServiceProcess restart(String name) {
    ServiceProcess old = get(name);
    if (old.isAlive()) {
      throw new IllegalStateException(name + " still runs: kill it first");
    }
    ServiceProcess process =
        ServiceProcess.start(
            name, app(name), old.url().getPort(), configs.get(name), home.resolve("logs"));
    services.set(services.indexOf(old), process);
    started.replace(old, process);
    process.awaitRestart(coldStart(name));
    return process;
  }

  /** {@link ServiceProcess#restartBudget} of the cold start of {@code name} in this stack. */
  Duration restartBudget(String name) {
    return ServiceProcess.restartBudget(coldStart(name));
  }

  private Duration coldStart(String name) {
    return coldStarts.getOrDefault(name, Duration.ofSeconds(30));
  }

  private Path app(String service) {
    return RepoPaths.app(repo, service);
  }
}
