package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.LocalStack;
import dev.floe.stack.host.Ports;
import dev.floe.stack.host.ServiceProcess;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.Orders;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's run command, end to end: a broker process, the SQLite catalog, the four services
 * from their packaged apps and the demo writer. Every service answers UP and the demo's snapshots
 * show in the catalog.
 */
class LocalStackIT {

  @Test
  @Timeout(300)
  void runCommandBringsTheWholeStackUp() throws Exception {
    Path repo = TestStacks.repo();
    int kafkaPort = Ports.freePort();
    LocalStack.Options options =
        new LocalStack.Options(
            repo,
            FloeStack.workDir("local-stack"),
            kafkaPort,
            Ports.freePort(),
            Ports.freeRun(LocalStack.SERVICES.size()),
            Duration.ofSeconds(1),
            true);

    List<ServiceProcess> services;
    try (LocalStack stack = LocalStack.start(options)) {
      services = stack.services();
      assertThat(services)
          .extracting(ServiceProcess::name)
          .containsExactlyElementsOf(LocalStack.SERVICES);
      for (ServiceProcess service : services) {
        HttpResponse<String> ready = get(service.url().resolve("/q/health/ready"), null);
        assertThat(ready.statusCode()).as(service.name()).isEqualTo(200);
        assertThat(ready.body()).contains("\"status\": \"UP\"").contains("iceberg-catalog");
      }

      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                Table orders = stack.catalog().catalog().loadTable(Orders.DEMO);
                assertThat(orders.snapshots()).hasSizeGreaterThanOrEqualTo(3);
              });
      assertThat(stack.summary())
          .contains("127.0.0.1:" + kafkaPort)
          .contains(services.get(0).url().toString())
          .contains("demo.orders")
          .contains("with push hints to commit-listener")
          .contains(stack.tokenFile("admin").getParent().toString());

      // The summary's token files work as printed; without a token the API refuses (401).
      URI watches = services.get(0).url().resolve("/watches");
      String admin = Files.readString(stack.tokenFile("admin")).strip();
      assertThat(get(watches, admin).statusCode()).isEqualTo(200);
      assertThat(get(watches, null).statusCode()).isEqualTo(401);

      try (EventTap snapshots = new EventTap(stack.kafka().bootstrapServers(), Topics.SNAPSHOTS)) {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> {
                  snapshots.poll(Duration.ofMillis(200));
                  return demoEvents(snapshots).size() >= 3;
                });
        Table orders = stack.catalog().catalog().loadTable(Orders.DEMO);
        assertThat(demoEvents(snapshots))
            .allSatisfy(s -> assertThat(orders.snapshot(s.snapshotId())).isNotNull());
      }
    }

    assertThat(services).noneMatch(ServiceProcess::isAlive);
  }

  private static List<SnapshotCommitted> demoEvents(EventTap tap) {
    return tap.payloads(
        SnapshotCommitted.class, s -> s.table().qualifiedName().equals("demo.orders"));
  }

  private static HttpResponse<String> get(URI uri, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri);
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
