package dev.floe.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floe.stack.kafka.KafkaBroker;
import dev.floe.stack.kafka.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class TopicBootstrapTest {

  /**
   * Without waiting for the leaders, about one topic in thirty had its first batch refused and a
   * later one accepted, and the producer then retried the first as out of sequence until its
   * delivery timeout (two minutes). Twenty topics make that likely enough to fail here.
   */
  @Test
  @Timeout(120)
  void aCreatedTopicTakesAnIdempotentProducersWritesAtOnce() throws Exception {
    KafkaBroker kafka = SharedKafka.broker();
    try (Admin admin = admin(kafka);
        KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(
                Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    kafka.bootstrapServers(),
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                    "60000"),
                new StringSerializer(),
                new ByteArraySerializer())) {
      for (int round = 0; round < 20; round++) {
        String topic = SharedKafka.unique("fresh");
        TopicBootstrap.ensure(
            admin, List.of(TopicSpec.compacted(topic, 3)), Duration.ofSeconds(30));
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
          byte[] value = ("value-" + i).getBytes(StandardCharsets.UTF_8);
          sent.add(producer.send(new ProducerRecord<>(topic, "key-" + i, value)));
        }
        for (Future<RecordMetadata> f : sent) {
          // Written in milliseconds when the leaders serve; a stuck batch waits out the timeout.
          assertThat(f.get(20, TimeUnit.SECONDS).offset()).isNotNegative();
        }
      }
    }
  }

  @Test
  @Timeout(60)
  void aTopicThatMustBeCoPartitionedIsRefusedWithAnotherPartitionCount() {
    KafkaBroker kafka = SharedKafka.broker();
    String topic = SharedKafka.unique("exact");
    try (Admin admin = admin(kafka)) {
      TopicBootstrap.ensure(admin, List.of(TopicSpec.stream(topic, 2)), Duration.ofSeconds(30));

      assertThatThrownBy(
              () ->
                  TopicBootstrap.ensure(
                      admin,
                      List.of(TopicSpec.stream(topic, 3).withExactPartitions()),
                      Duration.ofSeconds(30)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(topic + " has 2 partitions, expected 3");
    }
  }

  private static Admin admin(KafkaBroker kafka) {
    return Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
  }
}
