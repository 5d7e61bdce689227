package dev.floe.trigger.decide;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.ChangeLost;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.RunSucceeded;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.ChangeStats;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.LostChange;
import dev.floe.contracts.model.RunInput;
import dev.floe.contracts.model.SnapshotRange;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.test.FloeTestResource;
import dev.floe.stack.test.InjectFloeStack;
import dev.floe.stack.test.PoisonRecords;
import dev.floe.stack.test.TestTier;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import dev.floe.trigger.TestChanges;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The decision core on the real broker, exactly_once_v2, from a REST-defined trigger. */
@QuarkusTest
@WithTestResource(FloeTestResource.class)
@Timeout(180)
class DecisionOnBrokerTest {
  @InjectFloeStack FloeStack stack;

  /** Ready means deciding: the decision core runs and the definitions are read. */
  @BeforeEach
  void awaitReady() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> given().get("/q/health/ready").statusCode() == 200);
  }

  /** Defines over REST a trigger of one capture that launches on Kafka. */
  private static void defineTrigger(String trigger, String capture, String quietPeriod) {
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("id", trigger);
    body.put("inputs", List.of(Map.of("capture", capture)));
    if (quietPeriod != null) {
      body.put("quietPeriod", quietPeriod);
    }
    body.put("launcher", Map.of("type", "kafka", "topic", "jobs"));
    given().contentType(ContentType.JSON).body(body).post("/triggers").then().statusCode(201);
  }

  @Test
  void capturedChangesBecomeRunsExactlyOnceAndASucceededRunLetsTheNextOneGo() {
    given()
        .get("/q/health/ready")
        .then()
        .body(
            "checks.find { it.name == 'trigger-decisions' }.data.decisionCore",
            org.hamcrest.Matchers.equalTo("RUNNING"))
        .body(
            "checks.find { it.name == 'trigger-decisions' }.data.definitionsReader",
            org.hamcrest.Matchers.equalTo("reading"));
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    String capture = "cap-" + suffix;
    String trigger = "trg-" + suffix;
    defineTrigger(trigger, capture, "PT2S");

    try (KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer());
        EventTap runs = new EventTap(stack.kafka().bootstrapServers(), Topics.RUNS)) {
      // Three changes within the quiet period: one run that carries all three.
      for (long s = 1; s <= 3; s++) {
        Event event =
            Event.of(TestChanges.appended(capture, s), Event.sourceOf("test"), Instant.now());
        producer.send(new ProducerRecord<>(Topics.CHANGES, capture, EventCodec.encode(event)));
      }
      producer.flush();
      RunRequested first =
          runs.await(
              RunRequested.class, r -> r.triggerId().equals(trigger), Duration.ofSeconds(90));
      assertThat(first.inputs()).hasSize(1);
      assertThat(first.inputs().get(0).snapshotRanges())
          .extracting(SnapshotRange::toSnapshotId)
          .containsExactly(1L, 2L, 3L);
      assertThat(first.records()).isEqualTo(30);

      // A fourth change waits while the first run is in flight (sequential): well past its quiet
      // period, nothing more is requested.
      Event fourth =
          Event.of(TestChanges.appended(capture, 4), Event.sourceOf("test"), Instant.now());
      producer.send(new ProducerRecord<>(Topics.CHANGES, capture, EventCodec.encode(fourth)));
      producer.flush();
      // Once its quiet period has passed, it forms a second run, queued behind the first.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  given()
                          .get("/triggers/" + trigger)
                          .then()
                          .extract()
                          .jsonPath()
                          .getList("status.runs.state")
                          .size()
                      == 2);
      runs.poll(Duration.ofSeconds(1));
      assertThat(runs.payloads(RunRequested.class, r -> r.triggerId().equals(trigger)))
          .extracting(RunRequested::runId)
          .containsExactly(first.runId());

      // Inspection shows the run in flight, the one queued behind it, and the lag.
      given()
          .get("/triggers/" + trigger)
          .then()
          .statusCode(200)
          .body("status.runs.state", org.hamcrest.Matchers.contains("requested", "queued"))
          .body("status.lagChangeSets", org.hamcrest.Matchers.equalTo(4))
          .body("status.watermarks", org.hamcrest.Matchers.anEmptyMap());

      // The first run succeeds: the fourth change gets its own run, requested once.
      Event done =
          Event.of(
              new RunSucceeded(first.runId(), trigger, 1, null, Instant.now(), 10),
              Event.sourceOf("test"),
              Instant.now());
      producer.send(new ProducerRecord<>(Topics.RUNS, trigger, EventCodec.encode(done)));
      producer.flush();
      RunRequested second =
          runs.await(
              RunRequested.class,
              r -> r.triggerId().equals(trigger) && !r.runId().equals(first.runId()),
              Duration.ofSeconds(30));
      assertThat(second.inputs().get(0).snapshotRanges())
          .extracting(SnapshotRange::toSnapshotId)
          .containsExactly(4L);
      runs.poll(Duration.ofSeconds(2));
      assertThat(runs.payloads(RunRequested.class, r -> r.triggerId().equals(trigger)))
          .extracting(RunRequested::runId)
          .containsExactly(first.runId(), second.runId());
      // The watermark moved to what the successful run covered.
      given()
          .get("/triggers/" + trigger)
          .then()
          .body("status.watermarks.'capture:" + capture + "'", org.hamcrest.Matchers.equalTo(3));
    }
  }

  /**
   * Bad records on both of the trigger-service's inputs, ahead of good ones on the same partitions:
   * each is dead-lettered with its reason, and the changes behind them still become a run, whose
   * success the service still reads.
   */
  @Test
  void badRecordsOnChangesAndRunsAreDeadLetteredAndDecisionsGoOn() {
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    String capture = "poisoned-" + suffix;
    String trigger = "poisoned-trg-" + suffix;
    defineTrigger(trigger, capture, "PT1S");
    String bootstrap = stack.kafka().bootstrapServers();

    try (KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(),
                new ByteArraySerializer());
        EventTap dlq = new EventTap(bootstrap, Topics.deadLetter("trigger-service"));
        EventTap runs = new EventTap(bootstrap, Topics.RUNS)) {
      Map<PoisonRecords.Kind, RecordMetadata> onChanges =
          PoisonRecords.send(bootstrap, Topics.CHANGES, capture, "ChangeCaptured");
      Map<PoisonRecords.Kind, RecordMetadata> onRuns =
          PoisonRecords.send(bootstrap, Topics.RUNS, trigger, "RunSucceeded");

      PoisonRecords.assertDeadLettered(dlq, "trigger-service", Topics.CHANGES, onChanges);
      PoisonRecords.assertDeadLettered(dlq, "trigger-service", Topics.RUNS, onRuns);
      given().get("/q/health/ready").then().statusCode(200);

      Event event =
          Event.of(TestChanges.appended(capture, 1), Event.sourceOf("test"), Instant.now());
      producer.send(new ProducerRecord<>(Topics.CHANGES, capture, EventCodec.encode(event)));
      producer.flush();
      RunRequested run =
          runs.await(
              RunRequested.class, r -> r.triggerId().equals(trigger), Duration.ofSeconds(60));
      Event done =
          Event.of(
              new RunSucceeded(run.runId(), trigger, 1, null, Instant.now(), 10),
              Event.sourceOf("test"),
              Instant.now());
      producer.send(new ProducerRecord<>(Topics.RUNS, trigger, EventCodec.encode(done)));
      producer.flush();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  given()
                      .get("/triggers/" + trigger)
                      .then()
                      .body(
                          "status.watermarks.'capture:" + capture + "'",
                          org.hamcrest.Matchers.equalTo(1)));
    }
  }

  /**
   * Every instance reads floe.triggers in full, at every start: a bad record there is dead-lettered
   * once ({@code DeadLetterOnceTest} shows two instances and a restart), and the triggers after it
   * are still read, by the REST side and by the decision core.
   */
  @Test
  void badRecordsOnTheTriggersTopicAreDeadLetteredAndTriggersGoOn() {
    String bootstrap = stack.kafka().bootstrapServers();
    try (EventTap dlq = new EventTap(bootstrap, Topics.deadLetter("trigger-service"))) {
      Map<PoisonRecords.Kind, RecordMetadata> poison =
          PoisonRecords.send(bootstrap, Topics.TRIGGERS, "poisoned", "TriggerDefined");

      PoisonRecords.assertDeadLettered(dlq, "trigger-service", Topics.TRIGGERS, poison);
    }
    String trigger = "after-poison-" + UUID.randomUUID().toString().substring(0, 6);
    defineTrigger(trigger, "c-" + trigger, null);
    given().get("/triggers/" + trigger).then().statusCode(200);
    given().get("/q/health/ready").then().statusCode(200);
  }

  @Test
  void anOperatorStartsARunByHandWhileTheQuietPeriodStillWaits() {
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    String capture = "man-" + suffix;
    String trigger = "manual-" + suffix;
    defineTrigger(trigger, capture, "PT1H");
    try (KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer());
        EventTap runs = new EventTap(stack.kafka().bootstrapServers(), Topics.RUNS)) {
      Event event =
          Event.of(TestChanges.appended(capture, 1), Event.sourceOf("test"), Instant.now());
      producer.send(new ProducerRecord<>(Topics.CHANGES, capture, EventCodec.encode(event)));
      producer.flush();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  Integer.valueOf(1)
                      .equals(
                          given()
                              .get("/triggers/" + trigger)
                              .then()
                              .extract()
                              .jsonPath()
                              .get("status.pendingChangeSets")));

      given().post("/triggers/" + trigger + "/run").then().statusCode(202);
      RunRequested run =
          runs.await(
              RunRequested.class, r -> r.triggerId().equals(trigger), Duration.ofSeconds(30));
      assertThat(run.reason()).isEqualTo("manual");
      assertThat(run.inputs().get(0).snapshotRanges())
          .extracting(SnapshotRange::toSnapshotId)
          .containsExactly(1L);
    }
    given().post("/triggers/no-such-trigger/run").then().statusCode(404);
  }

  @Test
  void aLostChangeHoldsTheTriggerItsStatusSaysWhyAndResumeListsItInTheNextRun() {
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    String capture = "lost-" + suffix;
    String trigger = "held-" + suffix;
    defineTrigger(trigger, capture, null);
    try (KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer());
        EventTap runs = new EventTap(stack.kafka().bootstrapServers(), Topics.RUNS)) {
      ChangeLost lost =
          new ChangeLost(
              capture,
              TestChanges.ORDERS,
              "uuid",
              "main",
              7,
              6L,
              Instant.now().minusSeconds(60),
              "expired",
              Instant.now());
      for (Payload payload : List.of(lost, TestChanges.appended(capture, 8))) {
        producer.send(
            new ProducerRecord<>(
                Topics.CHANGES,
                capture,
                EventCodec.encode(Event.of(payload, Event.sourceOf("test"), Instant.now()))));
      }
      producer.flush();
      // Held, and the change after the lost one decided: pending, not run.
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                var status = given().get("/triggers/" + trigger).then().extract().jsonPath();
                return "change-lost".equals(status.getString("status.hold.reason"))
                    && status.getInt("status.pendingChangeSets") == 1;
              });
      given()
          .get("/triggers/" + trigger)
          .then()
          .body("onLost", org.hamcrest.Matchers.equalTo("hold"))
          .body("status.lost.snapshotId", org.hamcrest.Matchers.contains(7));
      assertThat(runs.payloads(RunRequested.class, r -> r.triggerId().equals(trigger)))
          .as("no run while held")
          .isEmpty();

      given().post("/triggers/" + trigger + "/resume").then().statusCode(200);
      RunRequested run =
          runs.await(
              RunRequested.class, r -> r.triggerId().equals(trigger), Duration.ofSeconds(60));
      assertThat(run.inputs())
          .singleElement()
          .satisfies(
              input -> {
                assertThat(input.snapshotRanges())
                    .extracting(SnapshotRange::toSnapshotId)
                    .containsExactly(8L);
                assertThat(input.lost()).extracting(LostChange::snapshotId).containsExactly(7L);
              });
      given()
          .get("/triggers/" + trigger)
          .then()
          .body("status.hold", org.hamcrest.Matchers.nullValue())
          .body("status.lost", org.hamcrest.Matchers.empty());
    }
  }

  /**
   * A run of many change sets over a real source table (500 in the soak, 30 in the gate: writing
   * the source's history costs a minute at 500), formed while this test holds the catalog's write
   * lock (a slow catalog): its union waits off the decision core's thread, stored as forming, while
   * another trigger's change becomes a run at once; once the lock goes, the run is requested once,
   * with one state holding every appended file.
   */
  @Test
  void aLargeUnionFormsOffTheDecisionThread() throws Exception {
    int changeSets = TestTier.pick(30, 500);
    String suffix = UUID.randomUUID().toString().substring(0, 6);
    String name = "u_" + suffix;
    TableWriter writer = stack.writer();
    Table source =
        writer.createOrLoad(TableIdentifier.of("src", name), Orders.SCHEMA, Orders.BY_DAY);
    OffsetDateTime day = OffsetDateTime.now(ZoneOffset.UTC);
    List<List<Record>> batches = new ArrayList<>();
    for (int i = 0; i < changeSets; i++) {
      batches.add(List.of(Orders.order(source, i, "eu-west", "NEW", BigDecimal.TEN, day)));
    }
    List<Snapshot> snapshots = writer.appendEach(source, batches);
    Table icdc =
        writer.createOrLoad(TableIdentifier.of("floe_icdc", name), Orders.SCHEMA, Orders.BY_DAY);
    icdc.newAppend().commit(); // the ICDC table's empty base, as the capture creates it
    TableRef sourceRef = new TableRef(stack.catalog().name(), List.of("src"), name);
    TableRef icdcRef = new TableRef(stack.catalog().name(), List.of("floe_icdc"), name);
    String big = "big-" + suffix;
    String small = "small-" + suffix;
    defineTrigger(big, "cap-" + name, "PT3S");
    defineTrigger(small, "cap-s-" + suffix, null);

    try (KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer());
        EventTap runs = new EventTap(stack.kafka().bootstrapServers(), Topics.RUNS);
        Connection lock = DriverManager.getConnection(stack.catalog().properties().get("uri"))) {
      for (Snapshot s : snapshots) {
        ChangeCaptured change =
            new ChangeCaptured(
                "cap-" + name,
                sourceRef,
                source.uuid().toString(),
                new SnapshotRange(s.parentId(), s.snapshotId(), List.of(s.snapshotId())),
                ChangeKind.APPEND,
                new ChangeStats(1, 0, 0, 0, 1, 0, 0, 0, 100, 0),
                new IcdcRef(icdcRef, "change-" + s.snapshotId(), s.snapshotId(), null),
                null,
                List.of(),
                List.of(),
                false,
                Instant.now(),
                Instant.now(),
                null,
                null);
        producer.send(
            new ProducerRecord<>(
                Topics.CHANGES,
                change.captureId(),
                EventCodec.encode(Event.of(change, Event.sourceOf("test"), Instant.now()))));
      }
      producer.flush();
      // The catalog takes no commit while this is held: its writers wait (busy_timeout).
      lock.createStatement().execute("BEGIN EXCLUSIVE");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  given()
                      .get("/triggers/" + big)
                      .then()
                      .extract()
                      .jsonPath()
                      .getList("status.runs.state")
                      .equals(List.of("forming")));

      // The decision core is free: another trigger's change becomes a run at once.
      Instant sent = Instant.now();
      producer.send(
          new ProducerRecord<>(
              Topics.CHANGES,
              "cap-s-" + suffix,
              EventCodec.encode(
                  Event.of(
                      TestChanges.appended("cap-s-" + suffix, 1),
                      Event.sourceOf("test"),
                      Instant.now()))));
      producer.flush();
      runs.await(RunRequested.class, r -> r.triggerId().equals(small), Duration.ofSeconds(30));
      assertThat(Duration.between(sent, Instant.now())).isLessThan(Duration.ofSeconds(5));
      assertThat(runs.payloads(RunRequested.class, r -> r.triggerId().equals(big))).isEmpty();

      lock.createStatement().execute("COMMIT");
      RunRequested run =
          runs.await(RunRequested.class, r -> r.triggerId().equals(big), Duration.ofSeconds(90));
      RunInput input = run.inputs().get(0);
      assertThat(input.snapshotRanges()).hasSize(changeSets);
      assertThat(input.icdc().ref()).isEqualTo(IcdcUnions.addedTag(run.runId()));
      icdc.refresh();
      List<String> files = new ArrayList<>();
      icdc.snapshot(input.icdc().snapshotId())
          .addedDataFiles(icdc.io())
          .forEach(f -> files.add(f.location()));
      assertThat(files).hasSize(changeSets).allMatch(f -> f.contains("/src/" + name + "/data/"));
      runs.poll(Duration.ofSeconds(2));
      assertThat(runs.payloads(RunRequested.class, r -> r.triggerId().equals(big)))
          .as("requested once")
          .hasSize(1);
      given()
          .get("/triggers/" + big)
          .then()
          .body("status.runs.state", org.hamcrest.Matchers.contains("requested"));
    }
  }
}
