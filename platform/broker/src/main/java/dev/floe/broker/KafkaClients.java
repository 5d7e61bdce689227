package dev.floe.broker;

import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Builds the Kafka clients that a service drives by hand (transactional producers, consumers with
 * manual assignment) from the same {@code kafka.*} configuration as its messaging channels, so
 * bootstrap servers, TLS and SASL are configured once. Keys are strings; values are bytes that the
 * caller encodes and decodes, so that a malformed record can be dead-lettered with its reason.
 *
 * <p>Thread-safe; the clients it returns follow Kafka's own threading rules.
 */
@ApplicationScoped
public class KafkaClients {
  private final Map<String, Object> base;

  @Inject
  public KafkaClients(@Identifier("default-kafka-broker") Map<String, Object> kafka) {
    this.base = Map.copyOf(kafka);
  }

  public String bootstrapServers() {
    return String.valueOf(base.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
  }

  public Producer<String, byte[]> producer(Map<String, Object> overrides) {
    Map<String, Object> config = select(ProducerConfig.configNames(), overrides);
    return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  public Consumer<String, byte[]> consumer(Map<String, Object> overrides) {
    Map<String, Object> config = select(ConsumerConfig.configNames(), overrides);
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * How long the broker may hold a fetch that finds nothing new (Kafka's default). It answers as
   * soon as records arrive, so records are not delayed by it; it bounds how often an idle consumer
   * asks. A consumer that seeks or resumes partitions often waits up to this long for the fetch in
   * flight before it fetches them again: the capture loop keeps a short wait for that reason.
   * Floe's readers used 10 and 50 ms, so a service at rest sent the broker dozens of fetches a
   * second per reader, which took a measured share of the broker's and the services' CPU under the
   * pipeline benchmark (docs/performance.md).
   */
  public static final int IDLE_FETCH_WAIT_MS = 500;

  /**
   * Settings of a consumer that reads a topic in full from its beginning, committed records only,
   * without a group: the readers of definitions and state.
   */
  public static Map<String, Object> readCommittedFromStart(String clientId) {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, IDLE_FETCH_WAIT_MS);
    return props;
  }

  /**
   * Settings of the producer of a {@link TransactionalChannel}: idempotent, all replicas, no
   * linger, and a transactional id that is stable per instance, so a restarted instance fences the
   * transactions its predecessor left open.
   */
  public static Map<String, Object> transactional(
      String transactionalId, java.time.Duration timeout, String clientId) {
    return Map.of(
        ProducerConfig.TRANSACTIONAL_ID_CONFIG,
        transactionalId,
        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
        (int) timeout.toMillis(),
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
        true,
        ProducerConfig.ACKS_CONFIG,
        "all",
        ProducerConfig.LINGER_MS_CONFIG,
        0,
        ProducerConfig.CLIENT_ID_CONFIG,
        clientId);
  }

  /** The default instance name: {@code HOSTNAME} (a pod's name), else the host's name. */
  public static String hostName() {
    String host = System.getenv("HOSTNAME");
    if (host != null && !host.isBlank()) {
      return host;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "localhost";
    }
  }

  /**
   * The connection settings every client shares (bootstrap servers, TLS, SASL), with {@code
   * overrides}: for clients built elsewhere, such as Kafka Streams.
   */
  public Map<String, Object> connection(Map<String, Object> overrides) {
    return select(AdminClientConfig.configNames(), overrides);
  }

  public Admin admin() {
    return Admin.create(select(AdminClientConfig.configNames(), Map.of()));
  }

  private Map<String, Object> select(Set<String> known, Map<String, Object> overrides) {
    Map<String, Object> config = new HashMap<>();
    base.forEach(
        (key, value) -> {
          if (known.contains(key)) {
            config.put(key, value);
          }
        });
    config.putAll(overrides);
    return config;
  }
}
