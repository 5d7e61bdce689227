package dev.floe.capture.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floe.broker.EventRecords;
import dev.floe.broker.TransactionalChannel;
import dev.floe.capture.rows.RowPublisher;
import dev.floe.capture.status.CaptureMetrics;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.ChangeLost;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.test.Events;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The capture loop's transaction handling, with Kafka's mock clients and a capture step that needs
 * no catalog, as Iceberg's kafka-connect tests its channel. The real-broker tests ({@code
 * CaptureCrashIT}, the flow tests) prove the same against a broker; these pin the policy.
 */
@Tag("unit")
class CaptureEngineTest {
  private static final String SNAPSHOTS = Topics.SNAPSHOTS;
  private static final String CHANGES = Topics.CHANGES;
  private static final TopicPartition TP = new TopicPartition(SNAPSHOTS, 0);
  private static final TableRef TABLE = TableRef.parse("lake", "db.orders");
  private static final TableRef OTHER = TableRef.parse("lake", "db.customers");
  private static final Instant T0 = Instant.parse("2026-12-04T00:00:00Z");

  private final List<MockProducer<String, byte[]>> producers = new ArrayList<>();
  private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
  private final AtomicInteger captures = new AtomicInteger();
  private CaptureEngine.Step step;
  private CaptureEngine engine;

  @BeforeEach
  void openEngine(TestInfo test) {
    step = group -> group.stream().map(this::captured).toList();
    // A test of the spent budget has none: only the first group of each batch fits.
    Duration budget =
        test.getDisplayName().contains("SpentBudget") ? Duration.ZERO : Duration.ofSeconds(10);
    engine =
        new CaptureEngine(
            new CaptureEngine.Settings(
                SNAPSHOTS, CHANGES, "floe/test", Duration.ofSeconds(1), budget, 50, 4),
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
            group -> step.capture(group),
            new RowPublisher(null, null, topics -> {}, topic -> false, 0),
            new CaptureMetrics(new SimpleMeterRegistry()),
            Clock.systemUTC());
    assertThat(engine.open()).isTrue();
    consumer.updateBeginningOffsets(Map.of(TP, 0L));
    consumer.rebalance(List.of(TP));
  }

  @Test
  void shouldCommitTheChangeAndTheSnapshotOffsetInOneTransaction() {
    consumer.addRecord(snapshot(0, 101));

    engine.pollOnce();

    MockProducer<String, byte[]> producer = producers.get(0);
    assertThat(producer.transactionCommitted()).isTrue();
    assertThat(changes(producer.history())).containsExactly(101L);
    assertThat(producer.consumerGroupOffsetsHistory())
        .containsExactly(Map.of("dummy.group.id", Map.of(TP, new OffsetAndMetadata(1))));
    assertThat(engine.owns(0)).isTrue();
  }

  @Test
  void shouldCaptureTheBatchAgainWhenTheTransactionAborts() {
    consumer.addRecord(snapshot(0, 101));
    producers.get(0).commitTransactionException = new KafkaException("broker went away");

    engine.pollOnce();

    MockProducer<String, byte[]> producer = producers.get(0);
    assertThat(producer.transactionAborted()).isTrue();
    assertThat(producer.history()).isEmpty();
    assertThat(producer.consumerGroupOffsetsHistory()).isEmpty();
    // Nothing moved: the loop reads the snapshot again from where the batch began.
    assertThat(consumer.position(TP)).isZero();

    producer.commitTransactionException = null;
    consumer.addRecord(snapshot(0, 101)); // the broker delivers it again from that position
    engine.pollOnce();

    assertThat(captures).hasValue(2);
    assertThat(changes(producer.history())).containsExactly(101L);
    assertThat(producer.consumerGroupOffsetsHistory())
        .containsExactly(Map.of("dummy.group.id", Map.of(TP, new OffsetAndMetadata(1))));
  }

  @Test
  void shouldReplaceAFencedProducerAndCommitNothingThroughIt() {
    consumer.addRecord(snapshot(0, 101));
    producers.get(0).fenceProducer();

    engine.pollOnce();

    assertThat(producers.get(0).history()).isEmpty();
    assertThat(producers.get(0).closed()).isTrue();
    assertThat(consumer.position(TP)).isZero();

    consumer.addRecord(snapshot(0, 101));
    engine.pollOnce();

    assertThat(producers).hasSize(2);
    assertThat(changes(producers.get(1).history())).containsExactly(101L);
    assertThat(producers.get(1).consumerGroupOffsetsHistory()).hasSize(1);
  }

  @Test
  void shouldGoOnFromTheCommittedOffsetWhenACommitsOutcomeIsUnknown() {
    consumer.addRecord(snapshot(0, 101));
    consumer.addRecord(snapshot(1, 102));
    // Every commit times out, yet one landed: Kafka holds the group's offset past both records.
    producers.get(0).commitTransactionException =
        new org.apache.kafka.common.errors.TimeoutException("no answer from the coordinator");
    step =
        group -> {
          consumer.commitSync(Map.of(TP, new OffsetAndMetadata(2)));
          return group.stream().map(this::captured).toList();
        };

    engine.pollOnce();

    assertThat(producers.get(0).closed()).isTrue();
    // Not rewound to the batch: capturing 101 and 102 again would publish them twice.
    assertThat(consumer.position(TP)).isEqualTo(2);
  }

  @Test
  void shouldHoldThePartitionAtARecordWhoseCaptureMayBeRetried() {
    step =
        group -> {
          if (captures.incrementAndGet() == 1) {
            throw new SnapshotCapture.Retry(new CommitFailedException("concurrent commit"));
          }
          captures.decrementAndGet();
          return group.stream().map(this::captured).toList();
        };
    consumer.addRecord(snapshot(0, 101));
    consumer.addRecord(snapshot(1, 102));

    engine.pollOnce();

    // Neither the failed snapshot nor the one after it is committed: table order holds.
    assertThat(changes(producers.get(0).history())).isEmpty();
    assertThat(producers.get(0).consumerGroupOffsetsHistory()).isEmpty();
    assertThat(consumer.paused()).containsExactly(TP);
    assertThat(consumer.position(TP)).isZero();
  }

  @Test
  void shouldDeadLetterAnUndecodableRecordAndCommitPastIt() {
    consumer.addRecord(new ConsumerRecord<>(SNAPSHOTS, 0, 0, "lake.db.orders", "{".getBytes()));
    consumer.addRecord(snapshot(1, 102));

    engine.pollOnce();

    MockProducer<String, byte[]> producer = producers.get(0);
    assertThat(producer.history())
        .extracting(ProducerRecord::topic)
        .containsExactlyInAnyOrder(Topics.deadLetter(CaptureEngine.SERVICE), CHANGES);
    assertThat(producer.consumerGroupOffsetsHistory())
        .containsExactly(Map.of("dummy.group.id", Map.of(TP, new OffsetAndMetadata(2))));
  }

  @Test
  void shouldCaptureEachTablesBacklogAsOneGroupAndSendInOffsetOrder() {
    List<List<Long>> groups = new CopyOnWriteArrayList<>();
    step =
        group -> {
          groups.add(group.stream().map(SnapshotCommitted::snapshotId).toList());
          return group.stream().map(this::captured).toList();
        };
    consumer.addRecord(snapshot(0, 101));
    consumer.addRecord(snapshot(1, OTHER, 201));
    consumer.addRecord(snapshot(2, 102));
    consumer.addRecord(snapshot(3, 103));

    engine.pollOnce();

    assertThat(groups).containsExactlyInAnyOrder(List.of(101L, 102L, 103L), List.of(201L));
    MockProducer<String, byte[]> producer = producers.get(0);
    assertThat(changes(producer.history())).containsExactly(101L, 201L, 102L, 103L);
    assertThat(producer.consumerGroupOffsetsHistory())
        .containsExactly(Map.of("dummy.group.id", Map.of(TP, new OffsetAndMetadata(4))));
  }

  @Test
  void shouldStopAtAGroupThatMustWaitAndSendNothingPastIt() {
    List<Long> rowsRead = new ArrayList<>();
    step =
        group -> {
          if (group.get(0).table().equals(OTHER)) {
            throw new SnapshotCapture.Retry(new CommitFailedException("concurrent commit"));
          }
          return group.stream()
              .map(
                  c ->
                      new SnapshotCapture.Result(
                          captured(c).events(),
                          List.of(),
                          () -> {
                            rowsRead.add(c.snapshotId());
                            return SnapshotCapture.RowBatch.EMPTY;
                          }))
              .toList();
        };
    consumer.addRecord(snapshot(0, 101));
    consumer.addRecord(snapshot(1, OTHER, 201));
    consumer.addRecord(snapshot(2, 102));

    engine.pollOnce();

    // 102 was captured with 101, but it comes after 201, which waits: it is captured again later
    // (finding its states committed), and its rows are read only then.
    MockProducer<String, byte[]> producer = producers.get(0);
    assertThat(changes(producer.history())).containsExactly(101L);
    assertThat(rowsRead).containsExactly(101L);
    assertThat(producer.consumerGroupOffsetsHistory())
        .containsExactly(Map.of("dummy.group.id", Map.of(TP, new OffsetAndMetadata(1))));
    assertThat(consumer.paused()).containsExactly(TP);
    assertThat(consumer.position(TP)).isEqualTo(1);
  }

  @Test
  void theTablesOfABatchAreCapturedSideBySideAndSentInOffsetOrder() {
    // Each table's capture waits until the other's has begun: one after the other, the first
    // would wait in vain and fail.
    CountDownLatch bothBegun = new CountDownLatch(2);
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    step =
        group -> {
          threads.add(Thread.currentThread());
          bothBegun.countDown();
          try {
            if (!bothBegun.await(10, TimeUnit.SECONDS)) {
              throw new IllegalStateException("the other table's capture never began");
            }
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return group.stream().map(this::captured).toList();
        };
    consumer.addRecord(snapshot(0, 101));
    consumer.addRecord(snapshot(1, OTHER, 201));
    consumer.addRecord(snapshot(2, 102));

    engine.pollOnce();

    assertThat(threads).hasSize(2).allMatch(t -> t.getName().equals("floe-capture-worker"));
    MockProducer<String, byte[]> producer = producers.get(0);
    assertThat(changes(producer.history())).containsExactly(101L, 201L, 102L);
    assertThat(producer.consumerGroupOffsetsHistory())
        .containsExactly(Map.of("dummy.group.id", Map.of(TP, new OffsetAndMetadata(3))));
  }

  @Test
  void aTableThatMustWaitHoldsOnlyItsPartitionWhileTheOtherPartitionsGoOut() {
    TopicPartition other = new TopicPartition(SNAPSHOTS, 1);
    consumer.updateBeginningOffsets(Map.of(TP, 0L, other, 0L));
    consumer.rebalance(List.of(TP, other));
    step =
        group -> {
          if (group.get(0).table().equals(OTHER)) {
            throw new SnapshotCapture.Retry(new CommitFailedException("concurrent commit"));
          }
          return group.stream().map(this::captured).toList();
        };
    consumer.addRecord(snapshot(0, 101));
    consumer.addRecord(snapshot(other, 0, OTHER, 201));
    consumer.addRecord(snapshot(1, 102));

    engine.pollOnce();

    MockProducer<String, byte[]> producer = producers.get(0);
    assertThat(changes(producer.history())).containsExactly(101L, 102L);
    assertThat(producer.consumerGroupOffsetsHistory())
        .containsExactly(Map.of("dummy.group.id", Map.of(TP, new OffsetAndMetadata(2))));
    assertThat(consumer.paused()).containsExactly(other);
    assertThat(consumer.position(other)).isZero();
  }

  @Test
  void aFailureOfOneTableAbortsTheBatchOnceEveryTablesCaptureHasEnded() {
    AtomicInteger ended = new AtomicInteger();
    CountDownLatch failing = new CountDownLatch(1);
    step =
        group -> {
          if (group.get(0).table().equals(OTHER)) {
            failing.countDown();
            throw new IllegalStateException("a bug");
          }
          try {
            // Still capturing when the other table fails.
            failing.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          ended.incrementAndGet();
          return group.stream().map(this::captured).toList();
        };
    // The failing table first: a batch that gave up at its first failure would not wait for the
    // other.
    consumer.addRecord(snapshot(0, OTHER, 201));
    consumer.addRecord(snapshot(1, 101));

    assertThatThrownBy(engine::pollOnce)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a bug");

    assertThat(ended).as("captures still running when the batch failed, ended first").hasValue(1);
    assertThat(producers.get(0).transactionAborted()).isTrue();
    assertThat(producers.get(0).history()).isEmpty();
  }

  @Test
  void aSpentBudgetCapturesTheBatchsFirstGroupAndLeavesTheRestWhereItWas() {
    TopicPartition other = new TopicPartition(SNAPSHOTS, 1);
    consumer.updateBeginningOffsets(Map.of(TP, 0L, other, 0L));
    consumer.rebalance(List.of(TP, other));
    consumer.addRecord(snapshot(0, 101));
    consumer.addRecord(snapshot(1, 102));
    consumer.addRecord(snapshot(other, 0, OTHER, 201));

    engine.pollOnce();

    // Whichever partition came first was captured, as one group; the other is fetched again.
    MockProducer<String, byte[]> producer = producers.get(0);
    List<Long> first = changes(producer.history());
    assertThat(first).isIn(List.of(101L, 102L), List.of(201L));
    TopicPartition done = first.equals(List.of(201L)) ? other : TP;
    TopicPartition left = done.equals(TP) ? other : TP;
    assertThat(producer.consumerGroupOffsetsHistory())
        .containsExactly(
            Map.of("dummy.group.id", Map.of(done, new OffsetAndMetadata(first.size()))));
    assertThat(consumer.position(left)).isZero();
    assertThat(consumer.paused()).isEmpty();
  }

  private SnapshotCapture.Result captured(SnapshotCommitted committed) {
    captures.incrementAndGet();
    ChangeLost event =
        new ChangeLost(
            "orders-cdc",
            committed.table(),
            committed.tableUuid(),
            committed.branch(),
            committed.snapshotId(),
            committed.parentSnapshotId(),
            committed.committedAt(),
            "expired",
            T0);
    return new SnapshotCapture.Result(List.of(event), List.of(), SnapshotCapture.RowRead.NONE);
  }

  private static List<Long> changes(List<ProducerRecord<String, byte[]>> records) {
    return records.stream()
        .filter(r -> r.topic().equals(CHANGES))
        .map(r -> ((ChangeLost) EventCodec.decode(r.value()).payload()).snapshotId())
        .toList();
  }

  private static ConsumerRecord<String, byte[]> snapshot(long offset, long snapshotId) {
    return snapshot(offset, TABLE, snapshotId);
  }

  private static ConsumerRecord<String, byte[]> snapshot(
      long offset, TableRef table, long snapshotId) {
    return snapshot(TP, offset, table, snapshotId);
  }

  private static ConsumerRecord<String, byte[]> snapshot(
      TopicPartition tp, long offset, TableRef table, long snapshotId) {
    SnapshotCommitted committed = Events.committed(table, snapshotId, T0);
    ProducerRecord<String, byte[]> record =
        EventRecords.of(SNAPSHOTS, Event.of(committed, "floe/test", T0));
    return new ConsumerRecord<>(SNAPSHOTS, tp.partition(), offset, record.key(), record.value());
  }
}
