package dev.floe.broker;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * How Floe's decision cores run Kafka Streams: {@code exactly_once_v2}, a 100 ms commit interval,
 * reading from the earliest offset, and static group membership with a 10 s session, so that a
 * restarted instance takes its tasks back without a rebalance and one gone for good hands them over
 * after the session timeout.
 *
 * <p>Transactions may stay open for {@value #TRANSACTION_TIMEOUT_MS} ms instead of Streams' 10 s: a
 * punctuation decides every key of a task (each trigger, each backfill) in one transaction, and a
 * transaction that outlives its timeout is aborted by the broker, which fences the thread and makes
 * it process the same records again. Slow work (catalog commits, webhooks) runs off the thread
 * ({@link OffThread}). A restarted instance aborts its own open transaction at once; only an
 * instance gone for good holds read-committed readers back for that long. Services that use it
 * depend on {@code kafka-streams} themselves.
 */
public final class StreamsSettings {
  public static final int TRANSACTION_TIMEOUT_MS = 60_000;

  private StreamsSettings() {}

  /**
   * @param applicationId shared by every instance of the service
   * @param clientName this instance's client id and group instance id, such as {@code
   *     floe-trigger-host1}
   * @param stateDir where the local state lives; under the system's temp dir, by client name, if
   *     empty
   * @param applicationServer where this instance answers ({@code application.server}, {@code
   *     host:port}), so that any instance can find the one whose store holds a key ({@link
   *     DecisionCore#owner})
   */
  public static Properties exactlyOnce(
      KafkaClients kafka,
      String applicationId,
      String clientName,
      Optional<String> stateDir,
      String applicationServer) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
    props.putAll(kafka.connection(Map.of()));
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.CLIENT_ID_CONFIG, clientName);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    props.put(
        StreamsConfig.STATE_DIR_CONFIG,
        stateDir.orElseGet(
            () -> Path.of(System.getProperty("java.io.tmpdir"), clientName).toString()));
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), clientName);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
    props.put(
        StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
        TRANSACTION_TIMEOUT_MS);
    return props;
  }
}
