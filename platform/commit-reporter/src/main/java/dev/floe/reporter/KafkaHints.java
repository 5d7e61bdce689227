package dev.floe.reporter;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends hints to the hints topic. Loaded only when Kafka hints are configured. */
final class KafkaHints implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaHints.class);

  private final KafkaProducer<String, byte[]> producer;
  private final String topic;

  KafkaHints(String bootstrapServers, String topic, Duration timeout) {
    this.topic = topic;
    this.producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.ACKS_CONFIG,
                "1",
                ProducerConfig.LINGER_MS_CONFIG,
                0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                (int) timeout.toMillis(),
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                (int) Math.max(timeout.toMillis(), 5000),
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                (int) Math.min(timeout.toMillis(), 5000),
                ProducerConfig.CLIENT_ID_CONFIG,
                "floe-commit-reporter"),
            new StringSerializer(),
            new ByteArraySerializer());
  }

  void send(String key, String json) {
    producer.send(
        new ProducerRecord<>(topic, key, json.getBytes(StandardCharsets.UTF_8)),
        (metadata, error) -> {
          if (error != null) {
            LOG.debug("commit hint for {} not delivered: {}", key, error.toString());
          }
        });
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(2));
  }
}
