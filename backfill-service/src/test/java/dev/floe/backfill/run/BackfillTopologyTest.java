package dev.floe.backfill.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.backfill.validate.BackgroundValidation;
import dev.floe.broker.EventRecords;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.BackfillCompleted;
import dev.floe.contracts.event.BackfillEvent;
import dev.floe.contracts.event.BackfillPaused;
import dev.floe.contracts.event.BackfillPlanned;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.RunStarted;
import dev.floe.contracts.event.RunSucceeded;
import dev.floe.contracts.model.BackfillSpec;
import dev.floe.contracts.model.ChunkPlan;
import dev.floe.contracts.model.ChunkState;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class BackfillTopologyTest {
  private static final BackfillTopology.Topics TOPICS =
      new BackfillTopology.Topics(
          "floe.runs",
          "floe.backfill.inbox",
          "floe.backfills",
          "floe.dlq.backfill-service",
          Duration.ofSeconds(1),
          Duration.ofDays(7));

  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> inbox;
  private TestInputTopic<String, byte[]> runsIn;
  private TestOutputTopic<String, byte[]> runsOut;
  private TestOutputTopic<String, byte[]> events;
  private TestOutputTopic<String, byte[]> deadLetters;
  private final List<Payload> observed = new ArrayList<>();

  @BeforeEach
  void start() {
    start(ChunkValidator.NONE);
  }

  private void start(ChunkValidator validator) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "backfill-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver =
        new TopologyTestDriver(
            BackfillTopology.build(
                TOPICS,
                new BackfillMachine(validator, Duration.ofHours(1)),
                (s, p) -> observed.add(p)),
            props);
    inbox =
        driver.createInputTopic(TOPICS.inbox(), new StringSerializer(), new ByteArraySerializer());
    runsIn =
        driver.createInputTopic(TOPICS.runs(), new StringSerializer(), new ByteArraySerializer());
    runsOut =
        driver.createOutputTopic(
            TOPICS.runs(), new StringDeserializer(), new ByteArrayDeserializer());
    events =
        driver.createOutputTopic(
            TOPICS.backfills(), new StringDeserializer(), new ByteArrayDeserializer());
    deadLetters =
        driver.createOutputTopic(
            TOPICS.deadLetters(), new StringDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  @Test
  void chunkOutcomesOnTheRunsTopicDriveTheBackfillToItsEnd() {
    send(plan("bf1", 2, 1));
    List<RunRequested> first = requests();
    assertThat(first).hasSize(1);
    assertThat(first.get(0).backfill().chunkId()).isEqualTo("c0");
    // Runs are keyed by trigger on floe.runs; the route re-keys them by backfill.
    runsIn.pipeInput(
        "job", encode(new RunSucceeded(first.get(0).runId(), "job", 1, null, Instant.now(), 3)));
    List<RunRequested> second = requests();
    assertThat(second).extracting(r -> r.backfill().chunkId()).containsExactly("c1");
    runsIn.pipeInput(
        "job", encode(new RunSucceeded(second.get(0).runId(), "job", 1, null, Instant.now(), 3)));

    List<BackfillEvent> lifecycle = lifecycle();
    assertThat(lifecycle.get(0)).isInstanceOf(BackfillPlanned.class);
    assertThat(lifecycle.get(lifecycle.size() - 1))
        .isInstanceOfSatisfying(
            BackfillCompleted.class, c -> assertThat(c.outcome()).isEqualTo("succeeded"));
    assertThat(lifecycle).allMatch(e -> e.backfillId().equals("bf1"));
  }

  @Test
  void aSecondCreateOfTheSameIdIsIgnored() {
    send(plan("bf2", 3, 3));
    assertThat(requests()).hasSize(3);
    send(plan("bf2", 3, 3));
    assertThat(requests()).isEmpty();
  }

  @Test
  void undecodableInboxRecordsGoToTheDeadLetterTopicWithTheirReason() {
    inbox.pipeInput("bf3", "{not json".getBytes(StandardCharsets.UTF_8));
    send(new BackfillPaused("nobody", 0, "ops", null, Instant.now()));
    byte[] oversized = new byte[EventCodec.MAX_EVENT_BYTES + 1];
    Arrays.fill(oversized, (byte) ' ');
    inbox.pipeInput("bf3", oversized);
    List<TestRecord<String, byte[]>> dead = deadLetters.readRecordsToList();
    assertThat(dead).hasSize(3);
    assertThat(reason(dead.get(0))).isEqualTo("malformed-json");
    assertThat(reason(dead.get(1))).isEqualTo("unknown-backfill");
    assertThat(reason(dead.get(2))).isEqualTo("oversized");
    // and the service goes on
    send(plan("bf3", 1, 1));
    assertThat(requests()).hasSize(1);
  }

  @Test
  void runOutcomesOfOtherRunsAreNotRouted() {
    send(plan("bf4", 1, 1));
    requests();
    runsIn.pipeInput("job", encode(new RunSucceeded("job-1-7", "job", 1, null, Instant.now(), 3)));
    assertThat(lifecycle()).noneMatch(e -> e instanceof BackfillCompleted);
  }

  @Test
  void theJobsOwnRunIdIsKeptAndAnEndedBackfillIsForgottenAfterTheRetention() {
    send(plan("bf5", 1, 1));
    RunRequested run = requests().get(0);
    runsIn.pipeInput(
        "job", encode(new RunStarted(run.runId(), "job", 1, "webhook", "ext-42", Instant.now())));
    KeyValueStore<String, BackfillState> store = driver.getKeyValueStore(BackfillTopology.STATE);
    assertThat(store.get("bf5").chunk("c0").externalRunId).isEqualTo("ext-42");

    runsIn.pipeInput(
        "job", encode(new RunSucceeded(run.runId(), "job", 1, "ext-42", Instant.now(), 3)));
    assertThat(store.get("bf5").status).isEqualTo(BackfillStatus.COMPLETED);
    driver.advanceWallClockTime(Duration.ofDays(1));
    assertThat(store.get("bf5")).isNotNull();
    driver.advanceWallClockTime(Duration.ofDays(7));
    assertThat(store.get("bf5")).isNull();
  }

  /**
   * A chunk's check that does not answer holds neither the decision core's thread nor another
   * backfill: bf-b runs to its end while bf-a's chunk is checked; bf-a ends once its check answers.
   */
  @Test
  void aSlowCheckHoldsNoOtherBackfillAndItsResultEndsTheBackfillAtATick() throws Exception {
    CountDownLatch answer = new CountDownLatch(1);
    // Two workers, as the service has: one is held by bf-a's check.
    ExecutorService workers = Executors.newFixedThreadPool(2);
    try {
      driver.close();
      start(
          new BackgroundValidation(
              (b, c) -> {
                if (b.backfillId.equals("bf-a")) {
                  try {
                    assertThat(answer.await(30, TimeUnit.SECONDS)).isTrue();
                  } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                  }
                }
                return new BackfillState.Validation(
                    ChunkState.VALIDATED, "webhook", null, null, 0, "ok");
              },
              workers,
              // Long enough for bf-b's checks, which answer at once, on a loaded machine.
              Duration.ofSeconds(2),
              Duration.ofMinutes(1),
              Clock.systemUTC()));
      send(validated(plan("bf-a", 1, 1)));
      send(validated(plan("bf-b", 2, 1)));
      List<RunRequested> first = requests();
      assertThat(first).extracting(r -> r.backfill().backfillId()).containsExactly("bf-a", "bf-b");
      KeyValueStore<String, BackfillState> store = driver.getKeyValueStore(BackfillTopology.STATE);

      runsIn.pipeInput(
          "job", encode(new RunSucceeded(first.get(0).runId(), "job", 1, null, Instant.now(), 3)));
      assertThat(store.get("bf-a").chunk("c0").validating).isTrue();

      // bf-b goes on to its end meanwhile.
      runsIn.pipeInput(
          "job", encode(new RunSucceeded(first.get(1).runId(), "job", 1, null, Instant.now(), 3)));
      RunRequested next = requests().get(0);
      runsIn.pipeInput(
          "job", encode(new RunSucceeded(next.runId(), "job", 1, null, Instant.now(), 3)));
      assertThat(store.get("bf-b").status).isEqualTo(BackfillStatus.COMPLETED);
      driver.advanceWallClockTime(Duration.ofSeconds(2));
      assertThat(store.get("bf-a").status).isEqualTo(BackfillStatus.RUNNING);

      answer.countDown();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                driver.advanceWallClockTime(Duration.ofSeconds(1));
                return store.get("bf-a").status == BackfillStatus.COMPLETED;
              });
      BackfillState a = store.get("bf-a");
      assertThat(a.chunk("c0").state).isEqualTo(ChunkState.VALIDATED);
      assertThat(a.chunk("c0").validating).isFalse();
    } finally {
      answer.countDown();
      workers.shutdownNow();
    }
  }

  /** {@code planned} with a webhook validation. */
  private static BackfillPlanned validated(BackfillPlanned planned) {
    BackfillSpec s = planned.spec();
    BackfillSpec spec =
        new BackfillSpec(
            s.table(),
            s.captureId(),
            s.range(),
            s.chunking(),
            s.triggerId(),
            s.concurrency(),
            s.order(),
            s.propagate(),
            new BackfillSpec.Validation("webhook", null, 0),
            s.retry());
    return new BackfillPlanned(
        planned.backfillId(),
        planned.revision(),
        spec,
        planned.chunks(),
        planned.records(),
        planned.dataFiles(),
        planned.bytes(),
        planned.requestedBy());
  }

  private static String reason(TestRecord<String, byte[]> record) {
    return new String(
        record.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8);
  }

  private void send(Payload command) {
    ProducerRecord<String, byte[]> record =
        EventRecords.of(TOPICS.inbox(), Event.of(command, Event.sourceOf("test"), Instant.now()));
    inbox.pipeInput(new TestRecord<>(record.key(), record.value(), record.headers()));
  }

  private static byte[] encode(Payload payload) {
    return EventCodec.encode(Event.of(payload, Event.sourceOf("test"), Instant.now()));
  }

  private List<RunRequested> requests() {
    return runsOut.readValuesToList().stream()
        .map(v -> EventCodec.decode(v).payload())
        .filter(p -> p instanceof RunRequested)
        .map(p -> (RunRequested) p)
        .toList();
  }

  private List<BackfillEvent> lifecycle() {
    return events.readValuesToList().stream()
        .map(v -> (BackfillEvent) EventCodec.decode(v).payload())
        .toList();
  }

  static BackfillPlanned plan(String id, int chunks, int concurrency) {
    List<ChunkPlan> plans = new ArrayList<>();
    for (int i = 0; i < chunks; i++) {
      plans.add(new ChunkPlan("c" + i, i, List.of(), null, 1, 10, 100, null));
    }
    BackfillSpec spec =
        new BackfillSpec(
            new TableRef("c", List.of("demo"), "orders"),
            null,
            new BackfillSpec.Range(null, null, null, null, null, 42L, null, null),
            new BackfillSpec.Chunking("files", null, 1L, null),
            "job",
            concurrency,
            BackfillSpec.Order.OLDEST_FIRST,
            false,
            null,
            null);
    return new BackfillPlanned(id, 0, spec, plans, chunks * 10L, chunks, chunks * 100L, "me");
  }
}
