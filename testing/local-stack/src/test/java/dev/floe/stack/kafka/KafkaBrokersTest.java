package dev.floe.stack.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.stack.test.FloeStack;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Both ways of running a real KRaft broker work as a cluster of one, transactions included. */
@Timeout(180)
class KafkaBrokersTest {

  @Test
  void embeddedBrokerCommitsTransactionsThatReadCommittedConsumersSee() {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      String topic = "t-" + UUID.randomUUID();

      produceTransactionally(kafka.bootstrapServers(), topic, List.of("a", "b"));

      assertThat(consumeAll(kafka.bootstrapServers(), topic, 2)).containsExactly("a", "b");
    }
  }

  @Test
  void brokerProcessIsFormattedByStorageToolAndKeepsDataAcrossRestarts() throws Exception {
    int port;
    int controllerPort;
    try (ServerSocket a = new ServerSocket(0);
        ServerSocket b = new ServerSocket(0)) {
      port = a.getLocalPort();
      controllerPort = b.getLocalPort();
    }
    try (KafkaProcess kafka =
        KafkaProcess.start(FloeStack.workDir("kafka-process"), port, controllerPort)) {
      String topic = "t-" + UUID.randomUUID();
      produceTransactionally(kafka.bootstrapServers(), topic, List.of("before-restart"));
      long firstPid = kafka.pid();

      kafka.restart();

      assertThat(kafka.pid()).isNotEqualTo(firstPid);
      assertThat(consumeAll(kafka.bootstrapServers(), topic, 1)).containsExactly("before-restart");
    }
  }

  private static void produceTransactionally(String bootstrap, String topic, List<String> values) {
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                "tx-" + topic),
            new StringSerializer(),
            new StringSerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      values.forEach(v -> producer.send(new ProducerRecord<>(topic, "key", v)));
      producer.commitTransaction();
    }
  }

  private static List<String> consumeAll(String bootstrap, String topic, int expected) {
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG,
                "g-" + topic,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      List<String> values = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (values.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          values.add(record.value());
        }
      }
      return values;
    }
  }
}
