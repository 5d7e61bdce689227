package dev.floe.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.stack.kafka.KafkaBroker;
import dev.floe.stack.kafka.SharedKafka;
import java.net.ServerSocket;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class BrokerReadinessCheckTest {

  @Test
  @Timeout(60)
  void shouldBeUpWhileARealBrokerAnswers() {
    KafkaBroker kafka = SharedKafka.broker();
    BrokerReadinessCheck check =
        new BrokerReadinessCheck(
            BrokerReadinessCheck.adminConfig(
                Map.of("bootstrap.servers", kafka.bootstrapServers())));

    HealthCheckResponse response = check.call();

    assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
    assertThat(response.getData().orElseThrow()).containsEntry("nodes", 1L);
    check.close();
  }

  @Test
  @Timeout(20)
  void shouldBeDownWithinSecondsWhenNoBrokerListens() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    BrokerReadinessCheck check =
        new BrokerReadinessCheck(Map.of("bootstrap.servers", "127.0.0.1:" + closed));

    long started = System.nanoTime();
    HealthCheckResponse response = check.call();
    long tookMs = (System.nanoTime() - started) / 1_000_000;

    assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
    assertThat(response.getData().orElseThrow()).containsKey("error");
    assertThat(tookMs).isLessThan(BrokerReadinessCheck.TIMEOUT.toMillis() + 3_000);
    check.close();
  }

  @Test
  void shouldKeepOnlyAdminSettingsAndBoundTheTimeouts() {
    Map<String, Object> config =
        BrokerReadinessCheck.adminConfig(
            Map.of(
                "bootstrap.servers", "b:9092",
                "security.protocol", "SASL_SSL",
                "group.id", "not-for-admin",
                "default.api.timeout.ms", "60000"));

    assertThat(config)
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000)
        .doesNotContainKey("group.id");
  }
}
