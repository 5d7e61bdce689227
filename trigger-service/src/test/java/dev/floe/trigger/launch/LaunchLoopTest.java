package dev.floe.trigger.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.RunStarted;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.Concurrency;
import dev.floe.contracts.model.Launcher;
import dev.floe.contracts.model.RetryPolicy;
import dev.floe.contracts.model.TriggerCondition;
import dev.floe.contracts.model.TriggerInput;
import dev.floe.stack.test.JobServer;
import dev.floe.stack.test.JobServer.Reply;
import dev.floe.trigger.status.TriggerMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The launch loop with a consumer and a transactional producer of Kafka's own mocks, and a real
 * HTTP endpoint: what it writes, and which positions it commits, while a call is slow.
 */
@Tag("unit")
class LaunchLoopTest {
  private static final String RUNS = "floe.runs";
  private static final TopicPartition P0 = new TopicPartition(RUNS, 0);

  private final CompletableFuture<Reply> slowAnswer = new CompletableFuture<>();
  private JobServer server;
  private MockConsumer<String, byte[]> consumer;
  private MockProducer<String, byte[]> producer;
  private LaunchLoop loop;
  private Thread thread;

  @BeforeEach
  void start() {
    server =
        JobServer.start(2)
            .onLate("/slow", call -> slowAnswer, (call, reply) -> {})
            .on("/fast", call -> Reply.of(200));
    consumer = new MockConsumer<>("earliest");
    producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    Map<String, TriggerDefined> triggers =
        Map.of("slow", trigger("slow", "/slow"), "fast", trigger("fast", "/fast"));
    loop =
        new LaunchLoop(
            consumer,
            producer,
            RUNS,
            id -> Optional.ofNullable(triggers.get(id)),
            new JobLauncher(
                Duration.ofSeconds(30), 1, Duration.ofMillis(10), new LaunchSecrets(Map.of())),
            4,
            new TriggerMetrics(new SimpleMeterRegistry()),
            Clock.systemUTC());
  }

  /** Starts the loop on partition 0 of floe.runs holding {@code records}. */
  private void run(List<ConsumerRecord<String, byte[]>> records) {
    run(records, records.size());
  }

  /** As {@link #run(List)}, with the partition's end at {@code end} when it is assigned. */
  private void run(List<ConsumerRecord<String, byte[]>> records, long end) {
    consumer.schedulePollTask(
        () -> {
          consumer.updateBeginningOffsets(Map.of(P0, 0L));
          consumer.updateEndOffsets(Map.of(P0, end));
          consumer.rebalance(List.of(P0));
          records.forEach(consumer::addRecord);
        });
    thread = new Thread(loop, "launch-loop-test");
    thread.start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    slowAnswer.complete(Reply.of(200));
    loop.close();
    if (thread != null) {
      thread.join(20_000);
    }
    server.close();
  }

  @Test
  void aSlowCallHoldsItsPartitionsPositionButNotAnotherTriggersLaunch() {
    run(List.of(request(0, "slow"), request(1, "fast")));
    await().atMost(Duration.ofSeconds(10)).until(() -> started("fast"));
    assertThat(started("slow")).isFalse();
    // The fast run's outcome is written, but the position stays at the slow run, still open.
    assertThat(committed()).allSatisfy(position -> assertThat(position).isEqualTo(0L));

    slowAnswer.complete(Reply.of(200));
    await().atMost(Duration.ofSeconds(10)).until(() -> started("slow"));
    await().atMost(Duration.ofSeconds(10)).until(() -> committed().contains(2L));
  }

  @Test
  void aPartitionThatGoesWaitsForItsCallInFlightAndWritesItsOutcomeFirst() {
    run(List.of(request(0, "slow"), request(1, "fast")));
    await().atMost(Duration.ofSeconds(10)).until(() -> started("fast"));
    // The partition is taken away while the slow call is out; it answers during the hand-over.
    CompletableFuture.delayedExecutor(500, java.util.concurrent.TimeUnit.MILLISECONDS)
        .execute(() -> slowAnswer.complete(Reply.of(200)));
    consumer.schedulePollTask(() -> consumer.rebalance(List.of()));
    await().atMost(Duration.ofSeconds(20)).until(() -> started("slow"));
    await().atMost(Duration.ofSeconds(10)).until(() -> committed().contains(2L));
    assertThat(server.calls()).hasSize(2);
  }

  /**
   * Read again after a crash, a run whose outcome is on the topic already is not called again, and
   * one reported while its call is out gets no second outcome.
   */
  @Test
  void anAttemptReportedOnTheTopicIsNotLaunchedAgainNorAnsweredTwice() {
    run(
        List.of(
            request(0, "fast"),
            record(
                1, "fast", new RunStarted("fast-1-0", "fast", 1, "webhook", null, Instant.now())),
            request(2, "slow")));
    await().atMost(Duration.ofSeconds(10)).until(() -> server.calls().size() == 1);
    assertThat(server.calls()).extracting(JobServer.Call::path).containsExactly("/slow");
    // The job reports its start while the call is still out.
    consumer.schedulePollTask(
        () ->
            consumer.addRecord(
                record(
                    3,
                    "slow",
                    new RunStarted("slow-1-2", "slow", 1, "callback", "ext", Instant.now()))));
    AtomicBoolean read = new AtomicBoolean();
    consumer.schedulePollTask(() -> read.set(true)); // a poll after the one that returned it
    await().atMost(Duration.ofSeconds(10)).untilTrue(read);
    slowAnswer.complete(Reply.of(200));
    await().atMost(Duration.ofSeconds(10)).until(() -> committed().contains(4L));
    assertThat(started("fast")).as("fast's outcome was on the topic already").isFalse();
    assertThat(started("slow")).as("the job reported slow's start itself").isFalse();
  }

  /**
   * A partition just assigned is read up to the end it had before anything of it launches: an
   * outcome further along than the first records read is known before the run is called again.
   */
  @Test
  void aPartitionJustAssignedIsReadToItsEndBeforeItsRunsLaunch() {
    run(List.of(request(0, "fast"), request(1, "slow")), 3);
    AtomicInteger polls = new AtomicInteger();
    for (int i = 0; i < 5; i++) {
      consumer.schedulePollTask(polls::incrementAndGet);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> polls.get() == 5);
    assertThat(server.calls()).as("nothing launches before offset 2 is read").isEmpty();

    consumer.schedulePollTask(
        () ->
            consumer.addRecord(
                record(
                    2,
                    "fast",
                    new RunStarted("fast-1-0", "fast", 1, "webhook", null, Instant.now()))));
    await().atMost(Duration.ofSeconds(10)).until(() -> server.calls().size() == 1);
    assertThat(server.calls()).extracting(JobServer.Call::path).containsExactly("/slow");
    slowAnswer.complete(Reply.of(200));
    await().atMost(Duration.ofSeconds(10)).until(() -> committed().contains(3L));
    assertThat(started("fast")).isFalse();
    assertThat(started("slow")).isTrue();
  }

  private boolean started(String trigger) {
    return producer.history().stream()
        .filter(r -> r.topic().equals(RUNS))
        .map(r -> EventCodec.decode(r.value()).payload())
        .anyMatch(p -> p instanceof RunStarted s && s.triggerId().equals(trigger));
  }

  /** The positions of floe.runs' partition 0 committed so far, in order. */
  private List<Long> committed() {
    return producer.consumerGroupOffsetsHistory().stream()
        .flatMap(byGroup -> byGroup.values().stream())
        .map(offsets -> offsets.get(P0))
        .filter(java.util.Objects::nonNull)
        .map(OffsetAndMetadata::offset)
        .toList();
  }

  private static ConsumerRecord<String, byte[]> request(long offset, String trigger) {
    return record(
        offset,
        trigger,
        new RunRequested(
            trigger + "-1-" + offset, trigger, List.of(), 0, false, "changes", null, 1));
  }

  private static ConsumerRecord<String, byte[]> record(long offset, String trigger, Payload run) {
    return new ConsumerRecord<>(
        RUNS,
        0,
        offset,
        trigger,
        EventCodec.encode(Event.of(run, Event.sourceOf("test"), Instant.now())));
  }

  private TriggerDefined trigger(String id, String path) {
    return new TriggerDefined(
        id,
        List.of(TriggerInput.capture("orders")),
        TriggerCondition.ANY,
        0,
        1,
        null,
        Duration.ZERO,
        List.of(),
        Arrays.stream(ChangeKind.values()).filter(k -> k != ChangeKind.REPLACE).toList(),
        false,
        Concurrency.sequential(),
        new RetryPolicy(1, Duration.ofSeconds(1)),
        Duration.ofMinutes(30),
        new Launcher(
            Launcher.Type.WEBHOOK, server.url(path).toString(), null, null, null, null, null),
        false,
        null,
        "test",
        Instant.now());
  }
}
