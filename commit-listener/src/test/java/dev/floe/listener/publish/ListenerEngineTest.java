package dev.floe.listener.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.broker.TransactionalChannel;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.ListenerCheckpoint;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.model.BranchPosition;
import dev.floe.contracts.model.InitialPosition;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import dev.floe.listener.lineage.PollResult;
import dev.floe.listener.poll.PollSchedule;
import dev.floe.listener.status.ListenerMetrics;
import dev.floe.listener.status.TableStatuses;
import dev.floe.listener.watch.Watch;
import dev.floe.listener.watch.WatchRegistry;
import dev.floe.stack.test.Events;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The listener loop's transaction handling with Kafka's mock clients and a poller that needs no
 * catalog. The real-broker tests ({@code ListenerCrashIT}, {@code ListenerSharingIT}) prove the
 * same against a broker.
 */
@Tag("unit")
@Timeout(30)
class ListenerEngineTest {
  private static final TableRef TABLE = TableRef.parse("lake", "db.orders");
  private static final TopicPartition CHECKPOINTS =
      new TopicPartition(Topics.LISTENER_CHECKPOINTS, 0);
  private static final Instant T0 = Instant.parse("2026-12-04T00:00:00Z");

  private final List<MockProducer<String, byte[]>> producers = new ArrayList<>();
  private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
  private final AtomicInteger polls = new AtomicInteger();
  private final List<ListenerCheckpoint> polledFrom =
      java.util.Collections.synchronizedList(new ArrayList<>());
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private ListenerEngine engine;

  @BeforeEach
  void openEngine() {
    WatchRegistry watches = new WatchRegistry();
    watches.configure(
        List.of(new Watch(TABLE, List.of("main"), InitialPosition.EARLIEST, Watch.Source.CONFIG)));
    engine =
        new ListenerEngine(
            new ListenerEngine.Settings(
                Topics.SNAPSHOTS, Topics.LISTENER_CHECKPOINTS, Topics.HINTS, 1, "floe/test", 2),
            new TransactionalChannel.Clients() {
              @Override
              public Producer<String, byte[]> transactionalProducer() {
                MockProducer<String, byte[]> p =
                    new MockProducer<>(
                        Cluster.empty(),
                        true,
                        null,
                        new StringSerializer(),
                        new ByteArraySerializer());
                producers.add(p);
                return p;
              }

              @Override
              public Consumer<String, byte[]> groupConsumer() {
                return consumer;
              }
            },
            new MockProducer<>(),
            (watch, checkpoint) -> {
              long snapshot = 100 + polls.incrementAndGet();
              polledFrom.add(checkpoint);
              return new PollResult(
                  watch.key(), List.of(committed(snapshot)), checkpoint(snapshot), true, null);
            },
            watches,
            // Only a hint makes the table due again within the test.
            new PollSchedule(Duration.ofHours(1), Duration.ofHours(2)),
            new TableStatuses(),
            new ListenerMetrics(meters),
            Clock.systemUTC());
    assertThat(engine.open()).isTrue();
    consumer.updateBeginningOffsets(Map.of(CHECKPOINTS, 0L));
    consumer.updateEndOffsets(Map.of(CHECKPOINTS, 0L));
    consumer.rebalance(List.of(CHECKPOINTS));
  }

  @AfterEach
  void closeEngine() {
    engine.close();
  }

  @Test
  void shouldPublishEventsCheckpointAndOffsetsInOneTransaction() {
    loopUntil(() -> producers.get(0).commitCount() == 1);

    MockProducer<String, byte[]> producer = producers.get(0);
    assertThat(snapshots(producer.history())).containsExactly(101L);
    assertThat(producer.history())
        .extracting(ProducerRecord::topic)
        .containsExactly(Topics.SNAPSHOTS, Topics.LISTENER_CHECKPOINTS);
    assertThat(producer.consumerGroupOffsetsHistory())
        .containsExactly(Map.of("dummy.group.id", Map.of(CHECKPOINTS, new OffsetAndMetadata(0))));
    assertThat(engine.owns(Topics.tableKey(TABLE))).isTrue();
  }

  @Test
  void shouldPollAgainAndPublishOnceWhenATransactionAborts() {
    producers.get(0).commitTransactionException = new KafkaException("broker went away");
    loopUntil(() -> producers.get(0).transactionAborted());
    producers.get(0).commitTransactionException = null;

    loopUntil(() -> producers.get(0).commitCount() == 1);

    assertThat(polls).hasValue(2);
    assertThat(snapshots(producers.get(0).history())).containsExactly(102L);
    assertThat(transactions("aborted")).isEqualTo(1.0);
  }

  @Test
  void shouldReplaceAFencedProducerAndPollFromTheCheckpointsInTheTopic() {
    producers.get(0).fenceProducer();
    loopUntil(() -> producers.get(0).closed());
    // Whoever fenced us may have committed a checkpoint meanwhile: the topic is the truth.
    consumer.addRecord(
        new org.apache.kafka.clients.consumer.ConsumerRecord<>(
            Topics.LISTENER_CHECKPOINTS,
            0,
            0,
            Topics.tableKey(TABLE),
            EventCodec.encode(
                dev.floe.contracts.event.Event.of(checkpoint(150), "floe/other", T0))));
    consumer.updateEndOffsets(Map.of(CHECKPOINTS, 1L));

    loopUntil(() -> producers.size() == 2 && producers.get(1).commitCount() == 1);

    assertThat(polledFrom).hasSize(2);
    assertThat(polledFrom.get(1).branchHeads().get("main").snapshotId()).isEqualTo(150);
    assertThat(producers.get(0).history()).isEmpty();
    assertThat(producers.get(0).closed()).isTrue();
    assertThat(snapshots(producers.get(1).history())).containsExactly(102L);
    assertThat(producers.get(1).consumerGroupOffsetsHistory()).hasSize(1);
    assertThat(transactions("fenced")).isEqualTo(1.0);
  }

  private void loopUntil(java.util.function.BooleanSupplier done) {
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> {
              engine.loopOnce();
              return done.getAsBoolean();
            });
  }

  private double transactions(String outcome) {
    var counter = meters.find("floe.listener.transactions").tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }

  private static List<Long> snapshots(List<ProducerRecord<String, byte[]>> records) {
    return records.stream()
        .filter(r -> r.topic().equals(Topics.SNAPSHOTS))
        .map(r -> ((SnapshotCommitted) EventCodec.decode(r.value()).payload()).snapshotId())
        .toList();
  }

  private static SnapshotCommitted committed(long snapshotId) {
    return Events.committed(TABLE, snapshotId, T0);
  }

  private static ListenerCheckpoint checkpoint(long snapshotId) {
    return new ListenerCheckpoint(
        TABLE,
        "uuid-1",
        Map.of("main", new BranchPosition(snapshotId, snapshotId, T0)),
        "s3://lake/metadata/v" + snapshotId + ".json",
        false,
        null,
        T0);
  }
}
