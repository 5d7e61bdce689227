package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.host.Ports;
import dev.floe.stack.host.ServiceProcess;
import dev.floe.stack.test.FloeStack;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How a packaged service behaves when its configuration or its broker is wrong. */
@Timeout(180)
class ServiceStartupIT {
  private static final Path REPO = TestStacks.repo();
  private static final Path APP = REPO.resolve("commit-listener/target/quarkus-app");

  @Test
  void refusesToStartWithAnInvalidCatalogAndNamesThePropertyToFix() throws Exception {
    Path logs = FloeStack.workDir("bad-config");
    Map<String, String> config = new LinkedHashMap<>();
    config.put("kafka.bootstrap.servers", "127.0.0.1:" + Ports.freePort());
    config.put("floe.catalog.type", "oracle");

    try (ServiceProcess service =
        ServiceProcess.start("commit-listener", APP, Ports.freePort(), config, logs)) {
      int exit = service.awaitExit(Duration.ofSeconds(60));

      assertThat(exit).isNotZero();
      assertThat(Files.readString(service.log()))
          .contains("floe.catalog.type=oracle is not a catalog type");
    }
  }

  @Test
  void reportsNotReadyWhileTheBrokerIsUnreachableButTheCatalogAnswers() throws Exception {
    Path home = FloeStack.workDir("no-broker");
    try (CatalogFixture catalog = CatalogFixture.start(CatalogKind.SQLITE, home)) {
      Map<String, String> config = new LinkedHashMap<>(catalog.floeConfig());
      config.put("kafka.bootstrap.servers", "127.0.0.1:" + Ports.freePort());

      try (ServiceProcess service =
          ServiceProcess.start(
              "commit-listener", APP, Ports.freePort(), config, home.resolve("logs"))) {
        AtomicReference<HttpResponse<String>> ready = new AtomicReference<>();
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> {
                  ready.set(get(service, "/q/health/ready"));
                  return ready.get() != null;
                });

        assertThat(ready.get().statusCode()).isEqualTo(503);
        assertThat(ready.get().body())
            .containsPattern("\"name\": \"kafka-broker\",\\s*\"status\": \"DOWN\"")
            .containsPattern("\"name\": \"iceberg-catalog\",\\s*\"status\": \"UP\"");
        assertThat(get(service, "/q/health/live").statusCode()).isEqualTo(200);
      }
    }
  }

  private static HttpResponse<String> get(ServiceProcess service, String path) {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(service.url().resolve(path))
                  .timeout(Duration.ofSeconds(20))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
