package dev.floe.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.ListenerCheckpoint;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.WatchDefined;
import dev.floe.contracts.model.InitialPosition;
import dev.floe.contracts.model.TableRef;
import dev.floe.stack.kafka.KafkaBroker;
import dev.floe.stack.kafka.SharedKafka;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
    KafkaBroker kafka = SharedKafka.broker();
    String topic = SharedKafka.unique("defs");
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      TopicBootstrap.ensure(admin, List.of(TopicSpec.compacted(topic, 3)), Duration.ofSeconds(30));
    }
    try (KafkaProducer<String, byte[]> producer = producer(kafka)) {
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
    Map<String, Object> config = readCommitted(kafka);
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

  @Test
  @Timeout(120)
  void anEventOfAnotherTypeIsHandedOverAsInvalidAndNeverApplied() throws Exception {
    KafkaBroker kafka = SharedKafka.broker();
    String topic = SharedKafka.unique("watches");
    TableRef table = new TableRef("c", List.of("ns"), "t");
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      TopicBootstrap.ensure(admin, List.of(TopicSpec.compacted(topic, 3)), Duration.ofSeconds(30));
    }
    try (KafkaProducer<String, byte[]> producer = producer(kafka)) {
      // A checkpoint where watches belong, then a watch of the same key.
      producer.send(
          EventRecords.of(
              topic,
              Event.of(
                  new ListenerCheckpoint(table, "u", Map.of(), null, false, null, Instant.now()),
                  Event.sourceOf("test"),
                  Instant.now())));
      producer.send(
          EventRecords.of(
              topic,
              Event.of(
                  new WatchDefined(
                      table, List.of("main"), InitialPosition.EARLIEST, "test", Instant.now()),
                  Event.sourceOf("test"),
                  Instant.now())));
      producer.flush();
    }
    Map<String, Object> config = readCommitted(kafka);
    List<Payload> applied = new CopyOnWriteArrayList<>();
    List<EventDecodingException> invalid = new CopyOnWriteArrayList<>();
    CompactedTopicReader reader =
        new CompactedTopicReader(
            new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer()),
            List.of(topic),
            new CompactedTopicReader.Handler() {
              @Override
              public void apply(String t, String key, Payload payload) {
                applied.add(payload);
              }

              @Override
              public void invalid(
                  ConsumerRecord<String, byte[]> record, EventDecodingException error) {
                invalid.add(error);
              }

              @Override
              public boolean accepts(String t, Payload payload) {
                return payload instanceof WatchDefined;
              }
            },
            "test-reader");
    try (reader;
        KafkaConsumer<String, byte[]> probe =
            new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      reader.start();
      assertThat(reader.awaitCaughtUp(probe, Duration.ofSeconds(30))).isTrue();
      assertThat(applied).singleElement().isInstanceOf(WatchDefined.class);
      assertThat(invalid)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.reason()).isEqualTo(EventDecodingException.Reason.UNEXPECTED_TYPE);
                assertThat(e.getMessage()).contains("ListenerCheckpoint", topic);
              });
    }
  }

  private static KafkaProducer<String, byte[]> producer(KafkaBroker kafka) {
    return new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
        new StringSerializer(),
        new ByteArraySerializer());
  }

  private static Map<String, Object> readCommitted(KafkaBroker kafka) {
    return Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        kafka.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        "read_committed");
  }
}
