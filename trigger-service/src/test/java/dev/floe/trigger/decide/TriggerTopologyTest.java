package dev.floe.trigger.decide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.CaptureConsumed;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.ChangeLost;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.RunSucceeded;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.ChangeStats;
import dev.floe.contracts.model.Concurrency;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.Launcher;
import dev.floe.contracts.model.RetryPolicy;
import dev.floe.contracts.model.RunInput;
import dev.floe.contracts.model.SnapshotRange;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.model.TriggerCondition;
import dev.floe.contracts.model.TriggerInput;
import dev.floe.contracts.topic.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The decision core's topology, record by record, with a driven wall clock. */
@Tag("unit")
class TriggerTopologyTest {
  private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
  private static final TableRef ORDERS = new TableRef("lake", List.of("demo"), "orders");
  private static final TriggerTopology.Topics TOPICS =
      new TriggerTopology.Topics(
          "floe.changes",
          "floe.runs",
          "floe.triggers",
          "floe.trigger.changes-by-trigger",
          "floe.dlq.trigger-service",
          "floe.consumption",
          Duration.ofSeconds(1));

  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> triggers;
  private TestInputTopic<String, byte[]> changes;
  private TestInputTopic<String, byte[]> runs;
  private TestOutputTopic<String, byte[]> runsOut;
  private TestOutputTopic<String, byte[]> deadLetters;
  private TestOutputTopic<String, byte[]> consumption;
  private long snapshot = 100;

  @BeforeEach
  void start() throws Exception {
    start(Unions.NONE);
  }

  private void start(Unions unions) throws Exception {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "floe-trigger-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
    props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("streams").toString());
    driver = new TopologyTestDriver(TriggerTopology.build(TOPICS, unions), props, T0);
    var strings = Serdes.String();
    var bytes = Serdes.ByteArray();
    triggers = driver.createInputTopic("floe.triggers", strings.serializer(), bytes.serializer());
    changes = driver.createInputTopic("floe.changes", strings.serializer(), bytes.serializer());
    runs = driver.createInputTopic("floe.runs", strings.serializer(), bytes.serializer());
    runsOut = driver.createOutputTopic("floe.runs", strings.deserializer(), bytes.deserializer());
    deadLetters =
        driver.createOutputTopic(
            "floe.dlq.trigger-service", strings.deserializer(), bytes.deserializer());
    consumption =
        driver.createOutputTopic("floe.consumption", strings.deserializer(), bytes.deserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private static byte[] encode(Payload payload) {
    return EventCodec.encode(Event.of(payload, Event.sourceOf("test"), T0));
  }

  private void define(String id, Duration quiet) {
    define(id, quiet, "orders");
  }

  private void defineReading(String id, String capture) {
    define(id, Duration.ZERO, capture);
  }

  private void define(String id, Duration quiet, String capture) {
    TriggerDefined t =
        new TriggerDefined(
            id,
            List.of(TriggerInput.capture(capture)),
            TriggerCondition.ANY,
            0,
            1,
            null,
            quiet,
            List.of(),
            Arrays.stream(ChangeKind.values()).filter(k -> k != ChangeKind.REPLACE).toList(),
            false,
            Concurrency.sequential(),
            new RetryPolicy(2, Duration.ofSeconds(10)),
            Duration.ofMinutes(30),
            new Launcher(
                Launcher.Type.WEBHOOK, "http://127.0.0.1/run", null, null, null, null, null),
            false,
            null,
            "test",
            T0);
    triggers.pipeInput(id, encode(t));
  }

  private ChangeCaptured change(String capture) {
    long s = ++snapshot;
    return new ChangeCaptured(
        capture,
        ORDERS,
        "uuid",
        new SnapshotRange(s - 1, s, List.of(s)),
        ChangeKind.APPEND,
        new ChangeStats(1, 0, 0, 0, 10, 0, 0, 0, 1000, 0),
        new IcdcRef(new TableRef("lake", List.of("floe_icdc"), capture), "change-" + s, s, null),
        null,
        List.of(),
        List.of(),
        false,
        T0,
        T0,
        null,
        null);
  }

  private List<RunRequested> requests() {
    return runsOut.readValuesToList().stream()
        .map(v -> EventCodec.decode(v).payload())
        .filter(RunRequested.class::isInstance)
        .map(RunRequested.class::cast)
        .toList();
  }

  @Test
  void aChangeBecomesOneRunOnceTheQuietPeriodPassesAndSuccessMovesTheWatermark() {
    define("daily", Duration.ofSeconds(10));
    ChangeCaptured c = change("orders");
    changes.pipeInput("orders", encode(c));
    driver.advanceWallClockTime(Duration.ofSeconds(5));
    assertThat(requests()).isEmpty();
    driver.advanceWallClockTime(Duration.ofSeconds(6));
    List<RunRequested> requested = requests();
    assertThat(requested).hasSize(1);
    RunRequested run = requested.get(0);
    assertThat(run.triggerId()).isEqualTo("daily");
    assertThat(run.inputs().get(0).icdc()).isEqualTo(c.icdc());
    // Time passing again requests nothing more: the run is in flight.
    driver.advanceWallClockTime(Duration.ofSeconds(30));
    assertThat(requests()).isEmpty();

    runs.pipeInput(
        "daily", encode(new RunSucceeded(run.runId(), "daily", 1, null, T0.plusSeconds(60), 1000)));
    TriggerState state =
        driver.<String, TriggerState>getKeyValueStore(TriggerTopology.STATE).get("daily");
    assertThat(state.runs()).isEmpty();
    assertThat(state.watermarks()).containsEntry("capture:orders", c.range().toSnapshotId());
  }

  /**
   * A union that takes long (a large run, a slow catalog) forms off the decision thread: the run is
   * stored as forming and the other triggers are decided meanwhile; once the states are ready, the
   * run is requested at the next tick, once, with them.
   */
  @Test
  void aUnionThatTakesLongHoldsNoOtherTriggerAndIsRequestedOnceReady() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger formed = new AtomicInteger();
    IcdcRef union =
        new IcdcRef(new TableRef("lake", List.of("floe_icdc"), "orders"), "run", 9L, null);
    Unions slow =
        new Unions() {
          @Override
          public boolean formsStates(RunRequested request, List<PendingChange> changes) {
            return changes.size() > 1;
          }

          @Override
          public RunRequested complete(RunRequested request, List<PendingChange> changes) {
            if (!formsStates(request, changes)) {
              return request;
            }
            try {
              assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
              throw new IllegalStateException(e);
            }
            formed.incrementAndGet();
            RunInput input = request.inputs().get(0).withStates(union, null);
            return new RunRequested(
                request.runId(),
                request.triggerId(),
                List.of(input),
                request.records(),
                request.lateData(),
                request.reason(),
                request.backfill(),
                request.attempt());
          }
        };
    ExecutorService workers = Executors.newSingleThreadExecutor();
    try {
      driver.close();
      start(new BackgroundUnions(slow, workers, Duration.ofMillis(20), Clock.systemUTC()));
      define("big", Duration.ofSeconds(5), "orders");
      define("small", Duration.ZERO, "other");
      for (int i = 0; i < 3; i++) {
        changes.pipeInput("orders", encode(change("orders")));
      }
      driver.advanceWallClockTime(Duration.ofSeconds(6));
      assertThat(requests()).as("big's states are still forming").isEmpty();
      TriggerState big =
          driver.<String, TriggerState>getKeyValueStore(TriggerTopology.STATE).get("big");
      assertThat(big.forming()).extracting(TriggerState.FormingRun::runId).hasSize(1);
      assertThat(big.runs()).hasSize(1);

      // Another trigger is decided while big's union forms.
      changes.pipeInput("other", encode(change("other")));
      assertThat(requests()).extracting(RunRequested::triggerId).containsExactly("small");
      driver.advanceWallClockTime(Duration.ofSeconds(2));
      assertThat(requests()).isEmpty();

      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> formed.get() == 1);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                driver.advanceWallClockTime(Duration.ofSeconds(1));
                return !runsOut.isEmpty();
              });
      List<RunRequested> requested = requests();
      assertThat(requested).hasSize(1);
      assertThat(requested.get(0).runId()).isEqualTo(big.forming().get(0).runId());
      assertThat(requested.get(0).inputs().get(0).icdc()).isEqualTo(union);
      assertThat(requested.get(0).inputs().get(0).snapshotRanges()).hasSize(3);
      assertThat(
              driver
                  .<String, TriggerState>getKeyValueStore(TriggerTopology.STATE)
                  .get("big")
                  .forming())
          .isEmpty();
      driver.advanceWallClockTime(Duration.ofSeconds(5));
      assertThat(requests()).as("requested once").isEmpty();
      assertThat(formed).hasValue(1);
    } finally {
      release.countDown();
      workers.shutdownNow();
    }
  }

  @Test
  void whatATriggerStillNeedsOfItsCaptureIsPublishedAsItMovesAndDroppedWithTheTrigger() {
    define("daily", Duration.ZERO);
    define("slow", Duration.ofHours(1));
    ChangeCaptured first = change("orders");
    changes.pipeInput("orders", encode(first));
    long parent = first.range().fromSnapshotIdExclusive();
    long one = first.range().toSnapshotId();
    RunRequested run = requests().get(0);
    // Both need the change's parent, which its states read, until a run of it succeeds.
    assertThat(consumed())
        .containsEntry("orders/daily", List.of(parent, one))
        .containsEntry("orders/slow", List.of(parent, one));

    runs.pipeInput(
        "daily", encode(new RunSucceeded(run.runId(), "daily", 1, null, T0.plusSeconds(1), 10)));
    assertThat(consumed())
        .containsOnlyKeys("orders/daily")
        .containsEntry("orders/daily", List.of(one));

    // A second change: each trigger needs its parent too, and has seen it.
    ChangeCaptured second = change("orders");
    changes.pipeInput("orders", encode(second));
    long two = second.range().toSnapshotId();
    assertThat(consumed())
        .containsEntry("orders/daily", List.of(one, two))
        .containsEntry("orders/slow", List.of(parent, one, two));

    // A deleted trigger reads no capture: a tombstone, so that it holds no pin.
    triggers.pipeInput("slow", (byte[]) null);
    driver.advanceWallClockTime(Duration.ofSeconds(2));
    List<TestRecord<String, byte[]>> dropped = consumption.readRecordsToList();
    assertThat(dropped).extracting(TestRecord::key).contains("orders/slow");
    assertThat(dropped.stream().filter(r -> r.key().equals("orders/slow")).toList())
        .allSatisfy(r -> assertThat(r.value()).isNull());
  }

  @Test
  void aTriggerThatNoLongerReadsACaptureAndHoldsNoneOfItsChangesDropsItsRecord() {
    define("daily", Duration.ZERO);
    ChangeCaptured first = change("orders");
    changes.pipeInput("orders", encode(first));
    RunRequested run = requests().get(0);
    runs.pipeInput(
        "daily", encode(new RunSucceeded(run.runId(), "daily", 1, null, T0.plusSeconds(1), 10)));
    assertThat(consumed()).containsKey("orders/daily");

    // Redefined to read another capture: at its next decision, its record of orders is dropped.
    defineReading("daily", "returns");
    changes.pipeInput("returns", encode(change("returns")));
    List<TestRecord<String, byte[]>> written = consumption.readRecordsToList();
    assertThat(written.stream().filter(r -> r.key().equals("orders/daily")).toList())
        .singleElement()
        .satisfies(r -> assertThat(r.value()).isNull());
    assertThat(written).extracting(TestRecord::key).contains("returns/daily");
  }

  /** The consumption records written since the last read: per key, the latest list. */
  private java.util.Map<String, List<Long>> consumed() {
    java.util.Map<String, List<Long>> out = new java.util.LinkedHashMap<>();
    for (var record : consumption.readRecordsToList()) {
      CaptureConsumed c = (CaptureConsumed) EventCodec.decode(record.value()).payload();
      assertThat(record.key()).isEqualTo(c.captureId() + "/" + c.triggerId());
      out.put(record.key(), c.keepSnapshotIds().stream().sorted().toList());
    }
    return out;
  }

  @Test
  void aChangeOfAnotherCaptureStartsNothingAndTwoTriggersOfOneCaptureEachRun() {
    define("a", Duration.ZERO);
    define("b", Duration.ZERO);
    changes.pipeInput("other", encode(change("other")));
    driver.advanceWallClockTime(Duration.ofSeconds(2));
    assertThat(requests()).isEmpty();
    changes.pipeInput("orders", encode(change("orders")));
    assertThat(requests()).extracting(RunRequested::triggerId).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void aFailedRunIsRequestedAgainThenFoldedIntoTheNextRun() {
    define("daily", Duration.ZERO);
    ChangeCaptured first = change("orders");
    changes.pipeInput("orders", encode(first));
    RunRequested run = requests().get(0);

    runs.pipeInput(
        "daily",
        encode(
            new RunFailed(
                run.runId(), "daily", 1, RunFailed.ErrorKind.TRANSIENT, "boom", false, null, T0)));
    driver.advanceWallClockTime(Duration.ofSeconds(11));
    List<RunRequested> retry = requests();
    assertThat(retry).extracting(RunRequested::runId).containsExactly(run.runId());
    assertThat(retry.get(0).attempt()).isEqualTo(2);

    runs.pipeInput(
        "daily",
        encode(
            new RunFailed(
                run.runId(), "daily", 2, RunFailed.ErrorKind.TRANSIENT, "boom", false, null, T0)));
    // Given up after its last attempt, the run's change is not dropped: once the hold that keeps
    // a failing job from being started in a loop has passed, it forms the next run.
    assertThat(requests()).isEmpty();
    driver.advanceWallClockTime(Duration.ofSeconds(41));
    List<RunRequested> next = requests();
    assertThat(next).hasSize(1);
    assertThat(next.get(0).runId()).isNotEqualTo(run.runId());
    assertThat(next.get(0).attempt()).isEqualTo(1);
    assertThat(next.get(0).inputs().get(0).snapshotRanges()).containsExactly(first.range());
  }

  /**
   * Iceberg refuses the states of every run of trigger "a" that still tries to form them: the run
   * fails at once with the reason instead of being formed again every tick, trigger "b" on the same
   * capture gets its run meanwhile, and a's change is not lost: after the hold it forms a's next
   * run, which carries it without states, saying why, instead of failing again.
   */
  @Test
  void aRunWhoseStatesAreRefusedFailsOnceVisiblyAndItsChangesGoOnWithoutStates() throws Exception {
    driver.close();
    List<String> refusedRuns = new java.util.ArrayList<>();
    Unions unions =
        (request, pending) -> {
          if (!request.triggerId().equals("a")) {
            return request;
          }
          if (pending.stream().anyMatch(c -> c.statesRefused() != null)) {
            // As IcdcUnions does: changes whose states were refused go without states.
            return new RunRequested(
                request.runId(),
                request.triggerId(),
                request.inputs().stream()
                    .map(i -> i.withoutStates(pending.get(0).statesRefused()))
                    .toList(),
                request.records(),
                request.lateData(),
                request.reason(),
                request.backfill(),
                request.attempt());
          }
          refusedRuns.add(request.runId());
          throw new Unions.Refused(
              "orders", "Found concurrently added DV for file:/data/f1.parquet", null);
        };
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "floe-trigger-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
    props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("streams").toString());
    driver = new TopologyTestDriver(TriggerTopology.build(TOPICS, unions), props, T0);
    var strings = Serdes.String();
    var bytes = Serdes.ByteArray();
    triggers = driver.createInputTopic("floe.triggers", strings.serializer(), bytes.serializer());
    changes = driver.createInputTopic("floe.changes", strings.serializer(), bytes.serializer());
    runsOut = driver.createOutputTopic("floe.runs", strings.deserializer(), bytes.deserializer());
    define("a", Duration.ZERO);
    define("b", Duration.ZERO);

    ChangeCaptured c = change("orders");
    changes.pipeInput("orders", encode(c));
    List<Payload> out =
        runsOut.readValuesToList().stream().map(v -> EventCodec.decode(v).payload()).toList();
    assertThat(out)
        .filteredOn(RunRequested.class::isInstance)
        .extracting(p -> ((RunRequested) p).triggerId())
        .containsExactly("b");
    assertThat(out)
        .filteredOn(RunFailed.class::isInstance)
        .singleElement()
        .satisfies(
            p -> {
              RunFailed failed = (RunFailed) p;
              assertThat(failed.runId()).isEqualTo(refusedRuns.get(0));
              assertThat(failed.errorKind()).isEqualTo(RunFailed.ErrorKind.PERMANENT);
              assertThat(failed.willRetry()).isFalse();
              assertThat(failed.message()).contains("Found concurrently added DV");
            });

    // Not formed again at every tick: the change waits out the hold, then forms a's next run,
    // without states and saying why; the refusal is not repeated.
    driver.advanceWallClockTime(Duration.ofSeconds(5));
    assertThat(requests()).isEmpty();
    driver.advanceWallClockTime(Duration.ofSeconds(16));
    List<RunRequested> next = requests();
    assertThat(next).extracting(RunRequested::triggerId).containsExactly("a");
    assertThat(next.get(0).runId()).isNotEqualTo(refusedRuns.get(0));
    assertThat(next.get(0).inputs().get(0).snapshotRanges()).containsExactly(c.range());
    assertThat(next.get(0).inputs().get(0).statesOmitted()).contains("Found concurrently added DV");
    assertThat(refusedRuns).hasSize(1);
  }

  @Test
  void anUndecodableChangeGoesToTheDeadLetterTopicWithItsReason() {
    define("daily", Duration.ZERO);
    byte[] garbage = "{not json".getBytes(StandardCharsets.UTF_8);
    byte[] unknownVersion =
        new String(encode(change("orders")), StandardCharsets.UTF_8)
            .replace("\"schemaVersion\":1", "\"schemaVersion\":99")
            .getBytes(StandardCharsets.UTF_8);
    byte[] oversized = new byte[EventCodec.MAX_EVENT_BYTES + 1];
    Arrays.fill(oversized, (byte) ' ');
    changes.pipeInput("orders", garbage);
    changes.pipeInput("orders", unknownVersion);
    changes.pipeInput("orders", oversized);
    List<TestRecord<String, byte[]>> all = deadLetters.readRecordsToList();
    assertThat(all)
        .extracting(
            r ->
                new String(
                    r.headers().lastHeader(DeadLetterHeaders.REASON).value(),
                    StandardCharsets.UTF_8))
        .containsExactly("malformed-json", "unsupported-version", "oversized");
    TestRecord<String, byte[]> dead = all.get(0);
    assertThat(dead.value()).isEqualTo(garbage);
    assertThat(
            new String(
                dead.headers().lastHeader(DeadLetterHeaders.REASON).value(),
                StandardCharsets.UTF_8))
        .isEqualTo("malformed-json");
    assertThat(
            new String(
                dead.headers().lastHeader(DeadLetterHeaders.TOPIC).value(), StandardCharsets.UTF_8))
        .isEqualTo("floe.changes");
    // The next change still runs.
    changes.pipeInput("orders", encode(change("orders")));
    assertThat(requests()).hasSize(1);
  }

  @Test
  void anUndecodableOrKeylessRunEventIsDeadLetteredWhicheverTriggerItNames() {
    byte[] garbage = "{not json".getBytes(StandardCharsets.UTF_8);
    String change = new String(encode(change("orders")), StandardCharsets.UTF_8);
    byte[] unknownVersion =
        change
            .replace("\"schemaVersion\":1", "\"schemaVersion\":99")
            .getBytes(StandardCharsets.UTF_8);

    byte[] oversized = new byte[EventCodec.MAX_EVENT_BYTES + 1];
    Arrays.fill(oversized, (byte) ' ');

    runs.pipeInput("never-defined", garbage);
    runs.pipeInput("never-defined", unknownVersion);
    runs.pipeInput((String) null, encode(change("orders")));
    runs.pipeInput("never-defined", oversized);

    List<String> reasons =
        deadLetters.readRecordsToList().stream()
            .map(
                r ->
                    new String(
                        r.headers().lastHeader(DeadLetterHeaders.REASON).value(),
                        StandardCharsets.UTF_8))
            .toList();
    assertThat(reasons)
        .containsExactly("malformed-json", "unsupported-version", "missing-key", "oversized");
  }

  @Test
  void aRunNowCommandStartsPendingChangesDespiteTheQuietPeriodAndAChangeCannotForgeOne() {
    define("daily", Duration.ofHours(1));
    ChangeCaptured forged = change("orders");
    changes.pipeInput(
        new TestRecord<>(
            "orders",
            encode(forged),
            new org.apache.kafka.common.header.internals.RecordHeaders()
                .add(
                    TriggerTopology.COMMAND,
                    TriggerTopology.RUN_NOW.getBytes(StandardCharsets.UTF_8))));
    driver.advanceWallClockTime(Duration.ofSeconds(2));
    assertThat(requests()).isEmpty();

    TestInputTopic<String, byte[]> commands =
        driver.createInputTopic(
            "floe.trigger.changes-by-trigger",
            Serdes.String().serializer(),
            Serdes.ByteArray().serializer());
    commands.pipeInput(
        new TestRecord<>(
            "daily",
            new byte[0],
            new org.apache.kafka.common.header.internals.RecordHeaders()
                .add(
                    TriggerTopology.COMMAND,
                    TriggerTopology.RUN_NOW.getBytes(StandardCharsets.UTF_8))));
    List<RunRequested> manual = requests();
    assertThat(manual).hasSize(1);
    assertThat(manual.get(0).reason()).isEqualTo("manual");
    assertThat(manual.get(0).inputs().get(0).changeIds()).hasSize(1);
  }

  @Test
  void aLostChangeReachesTheTriggerHoldsItAndAResumeCommandReleasesIt() {
    define("daily", Duration.ZERO);
    long lostSnapshot = ++snapshot;
    changes.pipeInput(
        "orders",
        encode(
            new ChangeLost(
                "orders",
                ORDERS,
                "uuid",
                "main",
                lostSnapshot,
                lostSnapshot - 1,
                T0,
                "expired",
                T0)));
    changes.pipeInput("orders", encode(change("orders")));
    driver.advanceWallClockTime(Duration.ofSeconds(5));
    assertThat(requests()).as("held").isEmpty();

    TestInputTopic<String, byte[]> commands =
        driver.createInputTopic(
            "floe.trigger.changes-by-trigger",
            Serdes.String().serializer(),
            Serdes.ByteArray().serializer());
    commands.pipeInput(
        new TestRecord<>(
            "daily",
            new byte[0],
            new org.apache.kafka.common.header.internals.RecordHeaders()
                .add(
                    TriggerTopology.COMMAND,
                    (TriggerTopology.RESUME + ":ops").getBytes(StandardCharsets.UTF_8))));
    List<RunRequested> runs = requests();
    assertThat(runs).hasSize(1);
    assertThat(runs.get(0).inputs().get(0).lost())
        .singleElement()
        .satisfies(l -> assertThat(l.snapshotId()).isEqualTo(lostSnapshot));
  }

  @Test
  void anAttemptWithoutOutcomeTimesOutIntoAFailureEvent() {
    define("daily", Duration.ZERO);
    changes.pipeInput("orders", encode(change("orders")));
    RunRequested run = requests().get(0);
    driver.advanceWallClockTime(Duration.ofMinutes(31));
    List<RunFailed> failures =
        runsOut.readValuesToList().stream()
            .map(v -> EventCodec.decode(v).payload())
            .filter(RunFailed.class::isInstance)
            .map(RunFailed.class::cast)
            .toList();
    assertThat(failures)
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.runId()).isEqualTo(run.runId());
              assertThat(f.errorKind()).isEqualTo(RunFailed.ErrorKind.TIMEOUT);
            });
  }

  @Test
  void aPoisonRecordOnTheTriggersTopicKeepsTheLastGoodDefinition() {
    define("daily", Duration.ofSeconds(10));
    String change = new String(encode(change("orders")), StandardCharsets.UTF_8);
    String unknownVersion = change.replace("\"schemaVersion\":1", "\"schemaVersion\":99");
    assertThat(unknownVersion).isNotEqualTo(change);

    triggers.pipeInput("daily", "{not json".getBytes(StandardCharsets.UTF_8));
    triggers.pipeInput("daily", unknownVersion.getBytes(StandardCharsets.UTF_8));
    triggers.pipeInput("daily", change.getBytes(StandardCharsets.UTF_8));
    changes.pipeInput("orders", encode(change("orders")));
    driver.advanceWallClockTime(Duration.ofSeconds(11));

    assertThat(requests()).extracting(RunRequested::triggerId).containsExactly("daily");
  }

  @Test
  void aDeletedTriggersStateIsDropped() {
    define("daily", Duration.ofMinutes(5));
    changes.pipeInput("orders", encode(change("orders")));
    assertThat(driver.<String, TriggerState>getKeyValueStore(TriggerTopology.STATE).get("daily"))
        .isNotNull();
    triggers.pipeInput("daily", (byte[]) null);
    driver.advanceWallClockTime(Duration.ofSeconds(2));
    assertThat(driver.<String, TriggerState>getKeyValueStore(TriggerTopology.STATE).get("daily"))
        .isNull();
    assertThat(requests()).isEmpty();
  }
}
