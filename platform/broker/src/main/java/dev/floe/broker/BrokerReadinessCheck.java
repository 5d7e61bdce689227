package dev.floe.broker;

import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while a broker answers a metadata request, within {@link #TIMEOUT}: a readiness probe
 * must answer in seconds, not after the admin client's one-minute default. The admin client uses
 * the service's {@code kafka.*} configuration, so TLS and SASL settings apply to it too.
 *
 * <p>Thread-safe.
 */
@Readiness
@ApplicationScoped
public class BrokerReadinessCheck implements HealthCheck {
  static final String NAME = "kafka-broker";
  static final Duration TIMEOUT = Duration.ofSeconds(3);

  private final Admin admin;
  private final String bootstrapServers;

  /**
   * @param kafka the service's Kafka client configuration ({@code kafka.*}); settings an admin
   *     client does not understand are ignored
   */
  @Inject
  public BrokerReadinessCheck(@Identifier("default-kafka-broker") Map<String, Object> kafka) {
    Map<String, Object> config = adminConfig(kafka);
    this.bootstrapServers = String.valueOf(config.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
    this.admin = Admin.create(config);
  }

  /** The service's Kafka settings that an admin client understands, with short timeouts. */
  static Map<String, Object> adminConfig(Map<String, Object> kafka) {
    Map<String, Object> config = new HashMap<>();
    kafka.forEach(
        (key, value) -> {
          if (AdminClientConfig.configNames().contains(key)) {
            config.put(key, value.toString());
          }
        });
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, "floe-readiness");
    return config;
  }

  @Override
  public HealthCheckResponse call() {
    HealthCheckResponseBuilder response =
        HealthCheckResponse.named(NAME).withData("bootstrap.servers", bootstrapServers);
    try {
      int nodes =
          admin
              .describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis()))
              .nodes()
              .get(TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS)
              .size();
      return response.status(nodes > 0).withData("nodes", nodes).build();
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      return response.down().withData("error", String.valueOf(cause.getMessage())).build();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return response.down().withData("error", "interrupted").build();
    }
  }

  @PreDestroy
  void close() {
    admin.close(Duration.ofSeconds(1));
  }
}
