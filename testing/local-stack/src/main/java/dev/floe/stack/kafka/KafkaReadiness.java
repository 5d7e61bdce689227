package dev.floe.stack.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Waits until a broker answers a metadata request. An open port is not enough: a KRaft broker
 * listens before it has caught up with the metadata log and can serve clients.
 */
public final class KafkaReadiness {
  private KafkaReadiness() {}

  /**
   * @throws IllegalStateException when no broker answered within {@code timeout}
   */
  public static void await(String bootstrapServers, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    Exception last = null;
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000",
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500"))) {
      while (Instant.now().isBefore(deadline)) {
        try {
          int nodes =
              admin
                  .describeCluster(new DescribeClusterOptions().timeoutMs(3000))
                  .nodes()
                  .get(4, TimeUnit.SECONDS)
                  .size();
          if (nodes > 0) {
            return;
          }
        } catch (Exception e) {
          last = e;
        }
        pause();
      }
    }
    throw new IllegalStateException(
        "no Kafka broker answered at " + bootstrapServers + " within " + timeout, last);
  }

  private static void pause() {
    try {
      TimeUnit.MILLISECONDS.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Kafka", e);
    }
  }
}
