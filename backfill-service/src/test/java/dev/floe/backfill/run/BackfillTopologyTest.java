package dev.floe.backfill.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.backfill.validate.BackgroundValidation;
import dev.floe.broker.EventRecords;
import dev.floe.broker.JsonSerde;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.BackfillChunksPlanned;
import dev.floe.contracts.event.BackfillCompleted;
import dev.floe.contracts.event.BackfillEvent;
import dev.floe.contracts.event.BackfillPaused;
import dev.floe.contracts.event.BackfillPlanned;
import dev.floe.contracts.event.BackfillRetried;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.RunFailed;
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
import java.util.Map;
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
  private java.nio.file.Path stateDir;
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
    // The driver commits, and syncs each store's checkpoint to disk, after every record: in memory
    // where the machine has it, so that a run of 10,000 chunks takes seconds, not minutes.
    java.nio.file.Path shm = java.nio.file.Path.of("/dev/shm");
    if (java.nio.file.Files.isDirectory(shm)) {
      try {
        stateDir = java.nio.file.Files.createTempDirectory(shm, "backfill-topology");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
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
  void stop() throws java.io.IOException {
    driver.close();
    if (stateDir != null) {
      try (var files = java.nio.file.Files.walk(stateDir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
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
    assertThat(stored("bf5").chunk("c0").externalRunId).isEqualTo("ext-42");

    runsIn.pipeInput(
        "job", encode(new RunSucceeded(run.runId(), "job", 1, "ext-42", Instant.now(), 3)));
    assertThat(store.get("bf5").status).isEqualTo(BackfillStatus.COMPLETED);
    driver.advanceWallClockTime(Duration.ofDays(1));
    assertThat(store.get("bf5")).isNotNull();
    driver.advanceWallClockTime(Duration.ofDays(7));
    assertThat(store.get("bf5")).isNull();
    KeyValueStore<String, BackfillState.Chunk> chunks =
        driver.getKeyValueStore(BackfillTopology.CHUNKS);
    assertThat(chunks.get(BackfillTopology.chunkKey("bf5", 0))).as("its chunks go too").isNull();
  }

  /**
   * A backfill retried after it ended is kept for the retention from its new end, not its first:
   * the index key of its first end is passed over.
   */
  @Test
  void aRetriedBackfillIsKeptForTheRetentionFromItsLastEnd() {
    send(plan("bf8", 1, 1));
    RunRequested first = requests().get(0);
    runsIn.pipeInput(
        "job",
        encode(
            new RunFailed(
                first.runId(),
                "job",
                1,
                RunFailed.ErrorKind.PERMANENT,
                "boom",
                false,
                null,
                Instant.now())));
    assertThat(stored("bf8").status).isEqualTo(BackfillStatus.FAILED);
    driver.advanceWallClockTime(Duration.ofDays(6));
    send(new BackfillRetried("bf8", 0, List.of(), "me", Instant.now()));
    assertThat(requests()).hasSize(1);
    driver.advanceWallClockTime(Duration.ofDays(2));
    // The tick that found it past its first end's retention ended it again: its chunk's attempt
    // timed out (an hour here).
    assertThat(stored("bf8")).as("kept past its first end's retention").isNotNull();
    assertThat(stored("bf8").retries).isEqualTo(1);
    driver.advanceWallClockTime(Duration.ofDays(8));
    assertThat(stored("bf8")).as("forgotten a retention after its last end").isNull();
  }

  /**
   * A plan in pages: nothing starts until its last page is in, and each page is published in order
   * between the plan and the start.
   */
  @Test
  void aPlanInPagesStartsOnceEveryChunkIsIn() {
    BackfillPlanned whole = plan("bf6", 5, 2);
    send(
        new BackfillPlanned(
            "bf6",
            0,
            whole.spec(),
            whole.chunks().subList(0, 2),
            whole.records(),
            whole.dataFiles(),
            whole.bytes(),
            "me",
            5));
    assertThat(requests()).isEmpty();
    assertThat(stored("bf6").status).isEqualTo(BackfillStatus.PLANNING);
    send(new BackfillChunksPlanned("bf6", 0, whole.chunks().subList(2, 4)));
    assertThat(requests()).isEmpty();
    // A page of another plan under the same id (two creates raced) is not taken.
    send(new BackfillChunksPlanned("bf6", 0, whole.chunks().subList(4, 5)), "another-plan");
    assertThat(stored("bf6").planned).isEqualTo(4);
    // A page out of turn is not taken either: it would leave a hole in the plan.
    send(new BackfillChunksPlanned("bf6", 0, whole.chunks().subList(2, 3)));
    assertThat(deadLetters.readRecordsToList())
        .extracting(BackfillTopologyTest::reason)
        .containsExactly("another-plan", "page-out-of-turn");
    send(new BackfillChunksPlanned("bf6", 0, whole.chunks().subList(4, 5)));
    assertThat(deadLetters.readRecordsToList()).isEmpty();
    assertThat(requests()).extracting(r -> r.backfill().chunkId()).containsExactly("c0", "c1");
    assertThat(lifecycle())
        .extracting(e -> e.getClass().getSimpleName() + "@" + e.revision())
        .startsWith(
            "BackfillPlanned@1",
            "BackfillChunksPlanned@2",
            "BackfillChunksPlanned@3",
            "BackfillStarted@4");
    assertThat(stored("bf6").chunk(4).id()).isEqualTo("c4");
  }

  /**
   * A backfill of thousands of chunks (10,000 in the soak) runs to its end at its concurrency, and
   * each event rewrites one chunk and a head of a letter per chunk, not the plan.
   */
  @Test
  void thousandsOfChunksRunAtTheConcurrencyAndEachEventWritesOnlyWhatChanged() {
    // 2,000 in the gate; -Dfloe.test.backfill-chunks=10000 for the full size (about 20 s).
    int n = Integer.getInteger("floe.test.backfill-chunks", 2_000);
    int concurrency = 25;
    BackfillPlanned whole = plan("bf7", n, concurrency);
    int page = Math.min(2_000, n);
    send(
        new BackfillPlanned(
            "bf7",
            0,
            whole.spec(),
            whole.chunks().subList(0, page),
            whole.records(),
            whole.dataFiles(),
            whole.bytes(),
            "me",
            n));
    for (int from = page; from < n; from += page) {
      send(new BackfillChunksPlanned("bf7", 0, whole.chunks().subList(from, from + page)));
    }
    java.util.Set<String> running = new java.util.HashSet<>();
    int maxRunning = 0;
    int succeeded = 0;
    java.util.ArrayDeque<RunRequested> open = new java.util.ArrayDeque<>(requests());
    while (!open.isEmpty()) {
      open.forEach(r -> running.add(r.runId()));
      maxRunning = Math.max(maxRunning, running.size());
      RunRequested r = open.poll();
      runsIn.pipeInput(
          "job", encode(new RunSucceeded(r.runId(), "job", 1, null, Instant.now(), 1)));
      running.remove(r.runId());
      succeeded++;
      open.addAll(requests());
    }
    assertThat(succeeded).isEqualTo(n);
    assertThat(maxRunning).isEqualTo(concurrency);
    BackfillState done = stored("bf7");
    assertThat(done.status).isEqualTo(BackfillStatus.COMPLETED);
    assertThat(done.count(ChunkState.SUCCEEDED)).isEqualTo(n);
    assertThat(new JsonSerde<>(BackfillState.class).serializer().serialize("t", done).length)
        .as("the head: a letter per chunk, not the plan")
        .isLessThan(n + 4096);
    assertThat(done.chunk(n - 1).state).isEqualTo(ChunkState.SUCCEEDED);
    TestOutputTopic<String, byte[]> chunkWrites =
        driver.createOutputTopic(
            "backfill-test-" + BackfillTopology.CHUNKS + "-changelog",
            new StringDeserializer(),
            new ByteArrayDeserializer());
    Map<String, Long> writesByChunk =
        chunkWrites.readKeyValuesToList().stream()
            .collect(
                java.util.stream.Collectors.groupingBy(
                    kv -> kv.key, java.util.stream.Collectors.counting()));
    assertThat(writesByChunk).as("every chunk written").hasSize(n);
    assertThat(writesByChunk.values())
        .as("each chunk written when planned, started and ended, never with the whole plan")
        .allSatisfy(w -> assertThat(w).isLessThanOrEqualTo(3));
  }

  /** The backfill as stored, its chunks read from their store. */
  private BackfillState stored(String id) {
    KeyValueStore<String, BackfillState> heads = driver.getKeyValueStore(BackfillTopology.STATE);
    KeyValueStore<String, BackfillState.Chunk> chunks =
        driver.getKeyValueStore(BackfillTopology.CHUNKS);
    BackfillState s = heads.get(id);
    return s == null ? null : s.attach((b, i) -> chunks.get(BackfillTopology.chunkKey(b, i)));
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
      assertThat(stored("bf-a").chunk("c0").validating).isTrue();

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
      BackfillState a = stored("bf-a");
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
    send(command, null);
  }

  /** Sends {@code command} as a record of the plan {@code planId}, when given. */
  private void send(Payload command, String planId) {
    ProducerRecord<String, byte[]> record =
        EventRecords.of(TOPICS.inbox(), Event.of(command, Event.sourceOf("test"), Instant.now()));
    if (planId != null) {
      record.headers().add(BackfillTopology.PLAN_ID, planId.getBytes(StandardCharsets.UTF_8));
    }
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
