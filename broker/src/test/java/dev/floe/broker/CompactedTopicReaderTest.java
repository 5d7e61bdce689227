package dev.floe.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.WatchDefined;
import dev.floe.contracts.model.InitialPosition;
import dev.floe.contracts.model.TableRef;
import dev.floe.stack.kafka.EmbeddedKafka;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class CompactedTopicReaderTest {

  @Test
  @Timeout(120)
  void awaitCaughtUpReturnsOnlyOnceEveryDefinitionWrittenBeforeIsApplied() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      String topic = "defs";
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        TopicBootstrap.ensure(
            admin, List.of(TopicSpec.compacted(topic, 3)), Duration.ofSeconds(30));
      }
      try (KafkaProducer<String, byte[]> producer =
          new KafkaProducer<>(
              Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
              new StringSerializer(),
              new ByteArraySerializer())) {
        for (int i = 0; i < 300; i++) {
          WatchDefined watch =
              new WatchDefined(
                  new TableRef("c", List.of("ns"), "t" + i),
                  List.of("main"),
                  InitialPosition.EARLIEST,
                  "test",
                  Instant.now());
          producer.send(
              EventRecords.of(topic, Event.of(watch, Event.sourceOf("test"), Instant.now())));
        }
        producer.flush();
      }
      Map<String, Object> config =
          Map.of(
              ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
              kafka.bootstrapServers(),
              ConsumerConfig.ISOLATION_LEVEL_CONFIG,
              "read_committed");
      Map<String, Boolean> applied = new ConcurrentHashMap<>();
      CompactedTopicReader reader =
          new CompactedTopicReader(
              new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer()),
              List.of(topic),
              (t, key, payload) -> applied.put(key, true),
              "test-reader");
      try (reader;
          KafkaConsumer<String, byte[]> probe =
              new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
        reader.start();
        assertThat(reader.awaitCaughtUp(probe, Duration.ofSeconds(30))).isTrue();
        // No waiting here: when the call returns, every definition is there.
        assertThat(applied).hasSize(300);
      }
    }
  }
}
