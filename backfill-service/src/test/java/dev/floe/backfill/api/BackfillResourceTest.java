package dev.floe.backfill.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import dev.floe.broker.EventRecords;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.BackfillCompleted;
import dev.floe.contracts.event.BackfillEvent;
import dev.floe.contracts.event.BackfillPlanned;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.RunSucceeded;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.test.FloeTestResource;
import dev.floe.stack.test.InjectFloeStack;
import dev.floe.stack.test.JobServer;
import dev.floe.stack.test.JobServer.Reply;
import dev.floe.stack.test.PoisonRecords;
import dev.floe.stack.test.TestTriggers;
import dev.floe.stack.writer.Orders;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * /backfills over HTTP on a real broker and catalog. The test plays an in-house job runner: it
 * reads the chunk runs requested on {@code floe.runs} and publishes their outcomes there.
 */
@QuarkusTest
@WithTestResource(FloeTestResource.class)
@Timeout(180)
class BackfillResourceTest {
  private static final OffsetDateTime OCT_1 =
      OffsetDateTime.of(2026, 10, 1, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final String TRIGGER = "bf-job";
  private static boolean prepared;

  @InjectFloeStack FloeStack stack;

  @BeforeEach
  void prepare() throws Exception {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> given().get("/q/health/ready").statusCode() == 200);
    if (prepared) {
      return;
    }
    Table source =
        stack
            .writer()
            .createOrLoad(TableIdentifier.of("demo", "bf_source"), Orders.SCHEMA, Orders.BY_DAY);
    stack
        .writer()
        .createOrLoad(TableIdentifier.of("demo", "bf_target"), Orders.SCHEMA, Orders.BY_DAY);
    List<Record> rows = new ArrayList<>();
    for (int day = 0; day < 30; day++) {
      for (int i = 0; i < 3; i++) {
        rows.add(
            Orders.order(
                source,
                day * 10L + i,
                "eu",
                "NEW",
                BigDecimal.ONE,
                OCT_1.plusDays(day).plusHours(i)));
      }
    }
    stack.writer().append(source, rows);
    send(Topics.TRIGGERS, TestTriggers.webhook(TRIGGER));
    send(Topics.TRIGGERS, TestTriggers.webhook("other-job"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                given()
                        .contentType(ContentType.JSON)
                        .body(request("probe-" + suffix(), 5, 1, null, true))
                        .post("/backfills")
                        .statusCode()
                    == 200);
    prepared = true;
  }

  @Test
  void aStrayEventOnTheTriggersTopicIsNotTakenForADeletion() throws Exception {
    send(Topics.TRIGGERS, TestTriggers.webhook("stray-target"));
    await().atMost(Duration.ofSeconds(30)).until(() -> dryRunNaming("stray-target") == 200);

    // A decodable event of another type under the trigger's key: skipped, the trigger stays.
    String marker = "stray-marker-" + suffix();
    try (KafkaProducer<String, byte[]> producer = producer()) {
      RecordMetadata stray =
          producer
              .send(
                  new ProducerRecord<>(
                      Topics.TRIGGERS,
                      "stray-target",
                      EventCodec.encode(
                          Event.of(
                              new RunSucceeded(
                                  "stray-target-x-1", "stray-target", 1, null, Instant.now(), 5),
                              Event.sourceOf("test"),
                              Instant.now()))))
              .get();
      // The marker, a trigger of its own, behind the stray event on its partition: once the
      // service knows the marker, it has read the stray event.
      producer
          .send(
              new ProducerRecord<>(
                  Topics.TRIGGERS,
                  stray.partition(),
                  marker,
                  EventCodec.encode(
                      Event.of(
                          TestTriggers.webhook(marker), Event.sourceOf("test"), Instant.now()))))
          .get();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> dryRunNaming(marker) == 200);

    assertThat(dryRunNaming("stray-target")).as("a backfill naming the trigger").isEqualTo(200);
  }

  private int dryRunNaming(String trigger) {
    Map<String, Object> body = request("stray-" + suffix(), 1, 1, null, true);
    body.put("trigger", trigger);
    return given().contentType(ContentType.JSON).body(body).post("/backfills").statusCode();
  }

  @Test
  void aDryRunAnswersThePlanAndStartsNothing() {
    String id = "dry-" + suffix();
    given()
        .contentType(ContentType.JSON)
        .body(request(id, 5, 2, null, true))
        .post("/backfills")
        .then()
        .statusCode(200)
        .body("state", equalTo("planned"))
        .body("chunks", hasSize(5))
        .body("chunks[0].chunkId", equalTo("2026-10-01"))
        .body("chunks[0].records", equalTo(3))
        .body("totals.records", equalTo(15))
        // The trigger's retry policy, as no retry was asked for.
        .body("spec.retry.maxAttempts", equalTo(1))
        .body("spec.retry.backoff", equalTo("PT1S"));
    given().get("/backfills/" + id).then().statusCode(404);
  }

  @Test
  void aRequestsRetryTakesWhatItLeavesOutFromTheTriggers() {
    Map<String, Object> body = request("retry-" + suffix(), 2, 1, null, true);
    body.put("retry", Map.of("maxAttempts", 4));
    given()
        .contentType(ContentType.JSON)
        .body(body)
        .post("/backfills")
        .then()
        .statusCode(200)
        .body("spec.retry.maxAttempts", equalTo(4))
        .body("spec.retry.backoff", equalTo("PT1S"));
  }

  @Test
  void aBackfillRunsItsChunksThroughRunEventsAndEndsCompletedWithEveryChunkValidated()
      throws Exception {
    String id = "flow-" + suffix();
    try (EventTap runs = new EventTap(stack.kafka().bootstrapServers(), Topics.RUNS);
        EventTap lifecycle = new EventTap(stack.kafka().bootstrapServers(), Topics.BACKFILLS)) {
      given()
          .contentType(ContentType.JSON)
          .body(
              request(
                  id, 4, 2, Map.of("method", "record-count", "target", "demo.bf_source"), false))
          .post("/backfills")
          .then()
          .statusCode(201)
          .body("state", equalTo("running"))
          .body("chunks", hasSize(4));

      Set<String> answered = new HashSet<>();
      int maxInFlight = 0;
      while (answered.size() < 4) {
        List<RunRequested> requested =
            runs.payloads(
                RunRequested.class,
                r -> r.backfill() != null && r.backfill().backfillId().equals(id));
        List<RunRequested> open =
            requested.stream().filter(r -> !answered.contains(r.runId())).toList();
        maxInFlight = Math.max(maxInFlight, open.size());
        if (open.isEmpty()) {
          runs.poll(Duration.ofMillis(200));
          continue;
        }
        RunRequested run = open.get(0);
        assertThat(run.triggerId()).isEqualTo(TRIGGER);
        assertThat(run.inputs().get(0).icdc()).isNotNull();
        send(Topics.RUNS, new RunSucceeded(run.runId(), TRIGGER, 1, null, Instant.now(), 5));
        answered.add(run.runId());
      }
      assertThat(maxInFlight).isLessThanOrEqualTo(2);

      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  given()
                      .get("/backfills/" + id)
                      .then()
                      .body("state", equalTo("completed"))
                      .body("progress", equalTo(100.0f))
                      .body("chunkStates.validated", equalTo(4))
                      .body("chunks[0].validation.expected", equalTo(3))
                      .body("chunks[0].validation.actual", equalTo(3)));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                lifecycle.poll(Duration.ofMillis(200));
                return !lifecycle
                    .payloads(BackfillCompleted.class, e -> e.backfillId().equals(id))
                    .isEmpty();
              });
      List<Long> revisions =
          lifecycle.payloads(BackfillEvent.class, e -> e.backfillId().equals(id)).stream()
              .map(BackfillEvent::revision)
              .toList();
      for (int i = 0; i < revisions.size(); i++) {
        assertThat(revisions.get(i)).isEqualTo(i + 1L);
      }
      await()
          .atMost(Duration.ofSeconds(15))
          .untilAsserted(
              () ->
                  assertThat(given().get("/q/metrics").asString())
                      .contains(
                          "floe_backfill_backfills{service=\"backfill-service\",state=\"completed\"}",
                          "floe_backfill_chunks{service=\"backfill-service\",state=\"validated\"}",
                          "floe_backfill_chunk_duration_seconds_count{outcome=\"succeeded\"",
                          "floe_backfill_runs_requested_total",
                          "floe_backfill_validation_failures_total"));
      given().post("/backfills/" + id + "/pause").then().statusCode(409);
      given().post("/backfills/" + id + "/retry").then().statusCode(409);
    }
  }

  @Test
  void aFailedChunkIsNamedAndARetryRunsOnlyIt() throws Exception {
    String id = "retry-" + suffix();
    try (EventTap runs = new EventTap(stack.kafka().bootstrapServers(), Topics.RUNS)) {
      given()
          .contentType(ContentType.JSON)
          .body(request(id, 2, 2, null, false))
          .post("/backfills")
          .then()
          .statusCode(201);
      List<RunRequested> first = awaitRuns(runs, id, 2);
      send(Topics.RUNS, new RunSucceeded(first.get(0).runId(), TRIGGER, 1, null, Instant.now(), 5));
      send(
          Topics.RUNS,
          new RunFailed(
              first.get(1).runId(),
              TRIGGER,
              1,
              RunFailed.ErrorKind.PERMANENT,
              "bad input",
              false,
              null,
              Instant.now()));
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  given()
                      .get("/backfills/" + id)
                      .then()
                      .body("state", equalTo("failed"))
                      .body("failedChunks", equalTo(List.of("2026-10-02")))
                      .body("chunks[1].error", equalTo("permanent: bad input")));
      // Chunks come a page at a time, in one state when asked.
      given()
          .get("/backfills/" + id + "?chunkState=failed")
          .then()
          .statusCode(200)
          .body("chunks.chunkId", equalTo(List.of("2026-10-02")))
          .body("nextChunk", nullValue());
      given()
          .get("/backfills/" + id + "?chunkLimit=1")
          .then()
          .statusCode(200)
          .body("chunks.chunkId", equalTo(List.of("2026-10-01")))
          .body("nextChunk", equalTo(1));
      given()
          .get("/backfills/" + id + "?chunkFrom=1&chunkLimit=1")
          .then()
          .body("chunks.chunkId", equalTo(List.of("2026-10-02")))
          .body("nextChunk", nullValue());
      given()
          .post("/backfills/" + id + "/retry")
          .then()
          .statusCode(200)
          .body("state", equalTo("running"));
      List<RunRequested> all = awaitRuns(runs, id, 3);
      RunRequested again = all.get(2);
      assertThat(again.backfill().chunkId()).isEqualTo("2026-10-02");
      assertThat(again.runId()).endsWith(".2");
      send(Topics.RUNS, new RunSucceeded(again.runId(), TRIGGER, 1, null, Instant.now(), 5));
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  given()
                      .get("/backfills/" + id)
                      .then()
                      .body("state", equalTo("completed"))
                      .body("retries", equalTo(1)));
    }
  }

  @Test
  void aWebhookCheckValidatesEachChunkAndItsUrlIsNeverPublished() throws Exception {
    String id = "hook-" + suffix();
    java.util.concurrent.atomic.AtomicBoolean busy =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    try (JobServer check =
            JobServer.start(2)
                .on(
                    "/check",
                    call -> {
                      boolean valid = call.json().path("chunkId").asText().equals("2026-10-01");
                      if (valid && busy.getAndSet(false)) {
                        // The Idempotency-Key draft's "still processing this key": asked again.
                        return new Reply(409, "{\"title\": \"A request is outstanding\"}");
                      }
                      return new Reply(
                          200,
                          "{\"valid\": "
                              + valid
                              + ", \"detail\": \""
                              + (valid ? "ok" : "rows missing")
                              + "\"}");
                    });
        EventTap runs = new EventTap(stack.kafka().bootstrapServers(), Topics.RUNS);
        EventTap lifecycle = new EventTap(stack.kafka().bootstrapServers(), Topics.BACKFILLS)) {
      String url = check.url("/check?token=s3cr3t").toString();
      given()
          .contentType(ContentType.JSON)
          .body(request(id, 2, 2, Map.of("method", "webhook", "url", url), false))
          .post("/backfills")
          .then()
          .statusCode(201);
      for (RunRequested run : awaitRuns(runs, id, 2)) {
        send(Topics.RUNS, new RunSucceeded(run.runId(), TRIGGER, 1, null, Instant.now(), 5));
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  given()
                      .get("/backfills/" + id)
                      .then()
                      .body("state", equalTo("failed"))
                      .body("failedChunks", equalTo(List.of("2026-10-02")))
                      .body("chunks[0].state", equalTo("validated"))
                      .body("chunks[1].state", equalTo("invalid"))
                      .body("chunks[1].validation.method", equalTo("webhook"))
                      .body("chunks[1].validation.detail", equalTo("rows missing")));
      assertThat(check.calls())
          .extracting(
              call -> call.json().path("chunkId").asText() + "/" + call.header("Idempotency-Key"))
          .containsExactlyInAnyOrder(
              "2026-10-01/\"" + TRIGGER + "." + id + ".2026-10-01.1\"",
              "2026-10-01/\"" + TRIGGER + "." + id + ".2026-10-01.1\"",
              "2026-10-02/\"" + TRIGGER + "." + id + ".2026-10-02.1\"");
      // The backfill's last event is the marker: its every event, the plan first, came before it.
      lifecycle.await(
          BackfillCompleted.class, e -> e.backfillId().equals(id), Duration.ofSeconds(30));
      assertThat(lifecycle.payloads(BackfillPlanned.class, e -> e.backfillId().equals(id)))
          .hasSize(1);
      assertThat(
              lifecycle.raw().stream()
                  .filter(r -> r.value() != null)
                  .map(r -> new String(r.value(), StandardCharsets.UTF_8))
                  .filter(value -> value.contains("s3cr3t"))
                  .toList())
          .as("records on %s carrying the check's URL", Topics.BACKFILLS)
          .isEmpty();
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "400 | id                 | {\"id\": \"Bad.Id\", \"table\": \"demo.bf_source\", \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"bf-job\"}",
        "400 | table              | {\"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"bf-job\"}",
        "400 | capture            | {\"table\": \"demo.bf_source\", \"capture\": \"c\", \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"bf-job\"}",
        "404 | table              | {\"table\": \"demo.nope\", \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"bf-job\"}",
        "404 | trigger            | {\"table\": \"demo.bf_source\", \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"no-such-job\"}",
        "404 | capture            | {\"capture\": \"no-such-capture\", \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"bf-job\"}",
        "400 | range.to           | {\"table\": \"demo.bf_source\", \"range\": {\"field\": \"order_ts\", \"from\": \"2026-10-09T00:00:00Z\", \"to\": \"2026-10-02T00:00:00Z\"}, \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"bf-job\"}",
        "400 | range.field        | {\"table\": \"demo.bf_source\", \"range\": {\"field\": \"nope\", \"from\": \"1\", \"to\": \"2\"}, \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"bf-job\"}",
        "400 | chunking           | {\"table\": \"demo.bf_source\", \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"bf-job\"}",
        "400 | chunking.strategy  | {\"table\": \"demo.bf_source\", \"chunking\": {\"strategy\": \"weekly\"}, \"trigger\": \"bf-job\"}",
        "400 | chunking.field     | {\"table\": \"demo.bf_source\", \"chunking\": {\"strategy\": \"hour\", \"field\": \"region\"}, \"trigger\": \"bf-job\"}",
        "400 | concurrency        | {\"table\": \"demo.bf_source\", \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"bf-job\", \"concurrency\": 0}",
        "400 | order              | {\"table\": \"demo.bf_source\", \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"bf-job\", \"order\": \"sideways\"}",
        "400 | validation.method  | {\"table\": \"demo.bf_source\", \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"bf-job\", \"validation\": {\"method\": \"vibes\"}}",
        "400 | validation.target  | {\"table\": \"demo.bf_source\", \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"bf-job\", \"validation\": {\"method\": \"record-count\"}}",
        "404 | validation.target  | {\"table\": \"demo.bf_source\", \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"bf-job\", \"validation\": {\"method\": \"record-count\", \"target\": \"demo.nope\"}}",
        "400 | validation.method  | {\"table\": \"demo.bf_source\", \"chunking\": {\"strategy\": \"files\", \"maxFiles\": 5}, \"trigger\": \"bf-job\", \"validation\": {\"method\": \"record-count\", \"target\": \"demo.bf_target\"}}",
        "400 | validation.url     | {\"table\": \"demo.bf_source\", \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"bf-job\", \"validation\": {\"method\": \"webhook\", \"url\": \"ftp://x\"}}",
        "400 | validation.tolerance | {\"table\": \"demo.bf_source\", \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"bf-job\", \"validation\": {\"method\": \"record-count\", \"target\": \"demo.bf_target\", \"tolerance\": 2}}",
        "400 | retry.maxAttempts  | {\"table\": \"demo.bf_source\", \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"bf-job\", \"retry\": {\"maxAttempts\": 0}}",
        "400 | retry.backoff      | {\"table\": \"demo.bf_source\", \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"}, \"trigger\": \"bf-job\", \"retry\": {\"backoff\": \"-PT1S\"}}",
      })
  void badRequestsGetProblemDetailsNamingTheField(int status, String field, String body) {
    given()
        .contentType(ContentType.JSON)
        .body(body)
        .post("/backfills")
        .then()
        .statusCode(status)
        .contentType("application/problem+json")
        .body("errors.field", hasItem(field));
  }

  @ParameterizedTest
  @CsvSource({"chunkLimit=0,chunkLimit", "chunkFrom=-1,chunkFrom", "chunkState=done,chunkState"})
  void aBadPageOfChunksIs400NamingTheParameter(String query, String field) {
    given()
        .get("/backfills/any?" + query)
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("errors.field", hasItem(field));
  }

  @Test
  void unknownBackfillsAre404() {
    given().get("/backfills/nope").then().statusCode(404);
    given().post("/backfills/nope/cancel").then().statusCode(404);
  }

  /**
   * The inbox is the backfill-service's own input: its bad records are dead-lettered here. {@code
   * floe.runs} is the trigger-service's, which dead-letters its bad records; this service reads it
   * for its chunks' outcomes and passes over what it cannot read.
   */
  @Test
  void badRecordsOnItsInputsAreDeadLetteredOrPassedOverAndBackfillsGoOn() throws Exception {
    try (EventTap dlq =
            new EventTap(stack.kafka().bootstrapServers(), Topics.deadLetter("backfill-service"));
        EventTap runs = new EventTap(stack.kafka().bootstrapServers(), Topics.RUNS)) {
      PoisonRecords.send(stack.kafka().bootstrapServers(), Topics.RUNS, TRIGGER, "RunSucceeded");
      Map<PoisonRecords.Kind, RecordMetadata> inbox =
          PoisonRecords.send(
              stack.kafka().bootstrapServers(), "floe.backfill.inbox", "junk", "BackfillPaused");

      PoisonRecords.assertDeadLettered(dlq, "backfill-service", "floe.backfill.inbox", inbox);
      given().get("/q/health/ready").then().statusCode(200);

      // A backfill after them runs: its request goes through the inbox, its chunk's outcome
      // through floe.runs, behind the bad records on the trigger's partition.
      String id = "after-" + suffix();
      given()
          .contentType(ContentType.JSON)
          .body(request(id, 1, 1, null, false))
          .post("/backfills")
          .then()
          .statusCode(201)
          .body("state", equalTo("running"));
      RunRequested run = awaitRuns(runs, id, 1).get(0);
      send(Topics.RUNS, new RunSucceeded(run.runId(), TRIGGER, 1, null, Instant.now(), 3));
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> given().get("/backfills/" + id).then().body("state", equalTo("completed")));
    }
  }

  private List<RunRequested> awaitRuns(EventTap runs, String id, int n) {
    List<RunRequested> seen = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              runs.poll(Duration.ofMillis(100));
              seen.clear();
              seen.addAll(
                  runs.payloads(
                      RunRequested.class,
                      r -> r.backfill() != null && r.backfill().backfillId().equals(id)));
              return seen.size() >= n;
            });
    return seen;
  }

  private static Map<String, Object> request(
      String id, int days, int concurrency, Map<String, Object> validation, boolean dryRun) {
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("id", id);
    body.put("table", "demo.bf_source");
    body.put(
        "range",
        Map.of(
            "field", "order_ts",
            "from", "2026-10-01T00:00:00Z",
            "to", OCT_1.plusDays(days).toInstant().toString()));
    body.put("chunking", Map.of("strategy", "day", "field", "order_ts"));
    body.put("trigger", TRIGGER);
    body.put("concurrency", concurrency);
    if (validation != null) {
      body.put("validation", validation);
    }
    body.put("dryRun", dryRun);
    return body;
  }

  private static String suffix() {
    return UUID.randomUUID().toString().substring(0, 6);
  }

  private KafkaProducer<String, byte[]> producer() {
    return new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
        new StringSerializer(),
        new ByteArraySerializer());
  }

  private void send(String topic, Payload payload) throws Exception {
    try (KafkaProducer<String, byte[]> producer = producer()) {
      producer
          .send(EventRecords.of(topic, Event.of(payload, Event.sourceOf("test"), Instant.now())))
          .get();
    }
  }
}
