package dev.floe.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.WatchDefined;
import dev.floe.contracts.model.InitialPosition;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.DeadLetterHeaders;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.kafka.KafkaBroker;
import dev.floe.stack.kafka.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bad records of a topic that every instance reads in full, dead-lettered on a real broker: two
 * instances reading at once, then a restarted one, write each bad record once.
 */
class DeadLetterOnceTest {
  // Per test instance: a second run in this JVM must not find the first one's dead letters.
  private final String service = SharedKafka.unique("once-test");
  private final String topic = SharedKafka.unique("defs");

  @Test
  @Timeout(180)
  void twoInstancesAndARestartDeadLetterEachBadRecordOnce() throws Exception {
    KafkaBroker kafka = SharedKafka.broker();
    try (Admin admin = admin(kafka)) {
      TopicBootstrap.ensure(
          admin,
          List.of(TopicSpec.compacted(topic, 3), TopicSpec.stream(Topics.deadLetter(service), 1)),
          Duration.ofSeconds(30));
      Set<String> bad = new TreeSet<>();
      try (KafkaProducer<String, byte[]> producer =
          new KafkaProducer<>(
              Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
              new StringSerializer(),
              new ByteArraySerializer())) {
        for (int i = 0; i < 60; i++) {
          String key = "t" + i;
          byte[] value = i % 5 == 0 ? ("{bad " + i).getBytes(StandardCharsets.UTF_8) : watch(key);
          var at = producer.send(new ProducerRecord<>(topic, key, value)).get();
          if (i % 5 == 0) {
            bad.add(at.partition() + "@" + at.offset());
          }
        }
      }
      assertThat(bad).hasSize(12);

      // Two instances read the topic in full at the same time, each from its start.
      CountDownLatch go = new CountDownLatch(1);
      Map<String, Integer> written = new ConcurrentHashMap<>();
      List<CompletableFuture<Void>> instances = new ArrayList<>();
      for (String instance : List.of("a", "b")) {
        instances.add(
            CompletableFuture.runAsync(
                () -> {
                  try (DeadLetterOnce once = once(kafka)) {
                    go.await();
                    readAll(kafka, once, instance, written);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }));
      }
      go.countDown();
      CompletableFuture.allOf(instances.toArray(CompletableFuture[]::new)).get();
      assertThat(written.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(12);

      // A restarted instance finds every one written already.
      try (DeadLetterOnce restarted = once(kafka)) {
        readAll(kafka, restarted, "restarted", written);
      }
      assertThat(written).doesNotContainKey("restarted");

      List<ConsumerRecord<String, byte[]>> letters = deadLetters(kafka);
      assertThat(letters)
          .extracting(
              r ->
                  header(r, DeadLetterHeaders.PARTITION)
                      + "@"
                      + header(r, DeadLetterHeaders.OFFSET))
          .containsExactlyInAnyOrderElementsOf(bad);
      assertThat(letters)
          .allSatisfy(
              r -> {
                assertThat(header(r, DeadLetterHeaders.REASON)).isEqualTo("malformed-json");
                assertThat(header(r, DeadLetterHeaders.TOPIC)).isEqualTo(topic);
                assertThat(new String(r.value(), StandardCharsets.UTF_8)).startsWith("{bad ");
              });
    }
  }

  /**
   * An instance that died inside a dead letter's transaction leaves the group's offset pending
   * until the broker's transaction timeout. The next instance must end that transaction by fencing
   * it, not wait on it and give up.
   */
  @Test
  @Timeout(120)
  void aTransactionLeftOpenByADeadInstanceIsFencedNotWaitedFor() throws Exception {
    KafkaBroker kafka = SharedKafka.broker();
    TopicPartition tp = new TopicPartition(topic, 0);
    try (Admin admin = admin(kafka);
        KafkaProducer<String, byte[]> dead = deadLetterProducer(kafka)) {
      TopicBootstrap.ensure(
          admin,
          List.of(TopicSpec.compacted(topic, 1), TopicSpec.stream(Topics.deadLetter(service), 1)),
          Duration.ofSeconds(30));
      try (KafkaProducer<String, byte[]> producer =
          new KafkaProducer<>(
              Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
              new StringSerializer(),
              new ByteArraySerializer())) {
        producer.send(new ProducerRecord<>(topic, "t0", "{bad".getBytes(StandardCharsets.UTF_8)));
      }
      // The dead instance got as far as the offset, then stopped: its transaction stays open.
      dead.initTransactions();
      dead.beginTransaction();
      dead.sendOffsetsToTransaction(
          Map.of(tp, new OffsetAndMetadata(1)),
          new ConsumerGroupMetadata(DeadLetterOnce.group(service)));
      await().atMost(Duration.ofSeconds(30)).until(() -> !stableOffsets(admin).containsKey(tp));

      Map<String, Integer> written = new ConcurrentHashMap<>();
      try (DeadLetterOnce once = once(kafka)) {
        readAll(kafka, once, "next", written);
      }

      assertThat(written).containsEntry("next", 1);
      assertThat(deadLetters(kafka)).hasSize(1);
      assertThat(stableOffsets(admin).get(tp).offset()).isEqualTo(1);
    }
  }

  private Map<TopicPartition, OffsetAndMetadata> stableOffsets(Admin admin) throws Exception {
    return admin
        .listConsumerGroupOffsets(
            DeadLetterOnce.group(service),
            new ListConsumerGroupOffsetsOptions().requireStable(true))
        .partitionsToOffsetAndMetadata()
        .get(10, TimeUnit.SECONDS);
  }

  /** Reads the topic from its start to its end, as a service's definitions reader does. */
  private void readAll(
      KafkaBroker kafka, DeadLetterOnce once, String instance, Map<String, Integer> written) {
    try (KafkaConsumer<String, byte[]> consumer = consumer(kafka, "read_committed")) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          try {
            EventCodec.decode(record.value());
          } catch (EventDecodingException e) {
            if (once.deadLetter(record, e.reason().code(), e.getMessage())) {
              written.merge(instance, 1, Integer::sum);
            }
          }
        }
      }
    }
  }

  private List<ConsumerRecord<String, byte[]>> deadLetters(KafkaBroker kafka) {
    try (KafkaConsumer<String, byte[]> consumer = consumer(kafka, "read_committed")) {
      TopicPartition tp = new TopicPartition(Topics.deadLetter(service), 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp)).get(tp);
      List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
      while (consumer.position(tp) < end) {
        consumer.poll(Duration.ofMillis(100)).forEach(all::add);
      }
      return all;
    }
  }

  private DeadLetterOnce once(KafkaBroker kafka) {
    return new DeadLetterOnce(service, () -> deadLetterProducer(kafka), () -> admin(kafka));
  }

  /** A producer under the transactional id every instance of the service writes with. */
  private KafkaProducer<String, byte[]> deadLetterProducer(KafkaBroker kafka) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            kafka.bootstrapServers(),
            ProducerConfig.TRANSACTIONAL_ID_CONFIG,
            DeadLetterOnce.transactionalId(service)),
        new StringSerializer(),
        new ByteArraySerializer());
  }

  private static Admin admin(KafkaBroker kafka) {
    return Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
  }

  private static KafkaConsumer<String, byte[]> consumer(KafkaBroker kafka, String isolation) {
    return new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            kafka.bootstrapServers(),
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            isolation,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest"),
        new StringDeserializer(),
        new ByteArrayDeserializer());
  }

  private static byte[] watch(String table) {
    WatchDefined watch =
        new WatchDefined(
            new TableRef("c", List.of("ns"), table),
            List.of("main"),
            InitialPosition.EARLIEST,
            "test",
            Instant.now());
    return EventCodec.encode(Event.of(watch, Event.sourceOf("test"), Instant.now()));
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
