package dev.floe.capture.definition;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import dev.floe.capture.flow.SnapshotFeed;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.ChangeLost;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.WatchDefined;
import dev.floe.contracts.model.InitialPosition;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.DeadLetterHeaders;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.test.FloeTestResource;
import dev.floe.stack.test.InjectFloeStack;
import dev.floe.stack.test.PoisonRecords;
import dev.floe.stack.writer.Orders;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
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

/** /captures over HTTP, and bad input on Kafka, on a real broker and catalog. */
@QuarkusTest
@WithTestResource(FloeTestResource.class)
@Timeout(120)
class CaptureResourceTest {
  private static final OffsetDateTime TS =
      OffsetDateTime.of(2026, 11, 21, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final String DEAD_LETTERS = Topics.deadLetter("change-capture-service");

  @InjectFloeStack FloeStack stack;

  @BeforeEach
  void awaitReady() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> given().get("/q/health/ready").statusCode() == 200);
  }

  private Table table(String name) {
    return stack
        .writer()
        .createOrLoad(TableIdentifier.of("api", name), Orders.SCHEMA, Orders.BY_DAY);
  }

  private Snapshot commit(Table table) {
    return stack
        .writer()
        .append(
            table,
            List.of(Orders.order(table, System.nanoTime(), "eu-west", "NEW", BigDecimal.ONE, TS)));
  }

  /** A capture of {@code api.<name>} with the defaults; its id. */
  private static String defineCapture(String name) {
    String id = name.replace('_', '-');
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("id", id, "table", "api." + name))
        .post("/captures")
        .then()
        .statusCode(201);
    return id;
  }

  private static String unique(String prefix) {
    return prefix + "_" + UUID.randomUUID().toString().substring(0, 6);
  }

  @Test
  void aCaptureIsCreatedListedReadReplacedAndDeleted() {
    String name = unique("crud");
    table(name);
    String id = name.replace('_', '-');
    Map<String, Object> body =
        Map.of("id", id, "table", "api." + name, "trackedFields", List.of("order_ts"));

    given()
        .contentType(ContentType.JSON)
        .body(body)
        .post("/captures")
        .then()
        .statusCode(201)
        .header("Location", endsWith("/captures/" + id))
        .body("table", equalTo("api." + name))
        .body("icdcTable", equalTo("floe_icdc.api__" + name + "__" + id.replace('-', '_')))
        .body("exactRanges", equalTo(false));
    given().get("/captures").then().statusCode(200).body("id", hasItem(id));
    given()
        .get("/captures/" + id)
        .then()
        .statusCode(200)
        .body("trackedFields", equalTo(List.of("order_ts")))
        .body("pinned", equalTo(0));

    // The same id again replaces the definition: 200, not a second capture.
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("id", id, "table", "api." + name, "exactRanges", true))
        .post("/captures")
        .then()
        .statusCode(200)
        .body("exactRanges", equalTo(true));
    given().get("/captures/" + id).then().body("exactRanges", equalTo(true));

    given().delete("/captures/" + id).then().statusCode(204);
    given()
        .get("/captures/" + id)
        .then()
        .statusCode(404)
        .contentType("application/problem+json")
        .body("status", equalTo(404));
    given().get("/captures").then().body("id", not(hasItem(id)));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "id               | {\"id\": \"Not Valid\", \"table\": \"api.orders\"}",
        "table            | {\"id\": \"bad-table\", \"table\": \"orders\"}",
        "table            | {\"id\": \"bad-no-table\"}",
        "table            | {\"id\": \"bad-sql\", \"table\": \"api.orders; DROP TABLE api.orders; --\"}",
        "table            | {\"id\": \"bad-path\", \"table\": \"../../etc.passwd\"}",
        "icdc.namespace   | {\"id\": \"bad-icdc\", \"table\": \"api.orders\","
            + " \"icdc\": {\"namespace\": \"../../warehouse\", \"table\": \"t\"}}",
        "icdc.table       | {\"id\": \"bad-icdc-t\", \"table\": \"api.orders\","
            + " \"icdc\": {\"namespace\": \"floe_icdc\", \"table\": \"t\\\"; --\"}}",
        "branch           | {\"id\": \"bad-branch\", \"table\": \"api.orders\", \"branch\": \"..\"}",
        "trackedFields[0] | {\"id\": \"bad-field\", \"table\": \"api.fields\","
            + " \"trackedFields\": [\"no_such_column\"]}",
        "coalesceWindow   | {\"id\": \"bad-coalesce\", \"table\": \"api.orders\","
            + " \"coalesceWindow\": \"PT5M\"}",
        "icdcTtl          | {\"id\": \"bad-ttl\", \"table\": \"api.orders\", \"icdcTtl\": \"-P1D\"}",
        "pinTtl           | {\"id\": \"bad-pin\", \"table\": \"api.orders\", \"pinTtl\": \"PT0S\"}",
        "changeKinds[0]   | {\"id\": \"bad-kinds\", \"table\": \"api.orders\","
            + " \"changeKinds\": [\"truncate\"]}",
      })
  void anInvalidRequestIsAProblemNamingTheField(String field, String body) {
    table("fields");
    given()
        .contentType(ContentType.JSON)
        .body(body)
        .post("/captures")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("status", equalTo(400))
        .body("errors.field", hasItem(field));
    // Nothing was stored.
    List<String> ids = given().get("/captures").then().extract().jsonPath().getList("id");
    assertThat(ids).noneMatch(i -> i.startsWith("bad-"));
  }

  @Test
  void malformedJsonIsABadRequest() {
    given()
        .contentType(ContentType.JSON)
        .body("{\"id\": ")
        .post("/captures")
        .then()
        .statusCode(400)
        .contentType("application/problem+json");
  }

  @Test
  void releasingPinsOfAnUnknownCaptureOrSnapshotIsAProblem() {
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("upToSnapshotId", 1))
        .post("/captures/no-such-capture/pins/release")
        .then()
        .statusCode(404)
        .contentType("application/problem+json");

    String name = unique("pins");
    table(name);
    String id = defineCapture(name);
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("upToSnapshotId", 42))
        .post("/captures/" + id + "/pins/release")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("errors.field", hasItem("upToSnapshotId"));
  }

  /**
   * Every instance reads floe.captures in full, at every start: a bad record there is dead-lettered
   * once ({@code DeadLetterOnceTest} shows two instances and a restart), and the captures after it
   * are still read.
   */
  @Test
  void badRecordsOnTheCapturesTopicAreDeadLetteredAndCapturesGoOn() {
    String bootstrap = stack.kafka().bootstrapServers();
    try (EventTap dlq = new EventTap(bootstrap, DEAD_LETTERS)) {
      Map<PoisonRecords.Kind, RecordMetadata> poison =
          PoisonRecords.send(bootstrap, Topics.CAPTURES, "poisoned", "CaptureDefined");

      PoisonRecords.assertDeadLettered(dlq, "change-capture-service", Topics.CAPTURES, poison);

      // A well-formed event that does not belong there is dead-lettered too, not applied.
      RecordMetadata stray;
      try (KafkaProducer<String, byte[]> producer =
          new KafkaProducer<>(
              Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
              new StringSerializer(),
              new ByteArraySerializer())) {
        stray =
            producer
                .send(
                    new ProducerRecord<>(
                        Topics.CAPTURES,
                        "stray",
                        EventCodec.encode(
                            Event.of(
                                new WatchDefined(
                                    new TableRef(stack.catalog().name(), List.of("api"), "stray"),
                                    List.of("main"),
                                    InitialPosition.EARLIEST,
                                    "test",
                                    Instant.now()),
                                Event.sourceOf("test"),
                                Instant.now()))))
                .get();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                dlq.pollRaw(Duration.ofMillis(200));
                assertThat(dlq.raw())
                    .anySatisfy(
                        r -> {
                          assertThat(PoisonRecords.header(r, DeadLetterHeaders.OFFSET))
                              .isEqualTo(Long.toString(stray.offset()));
                          assertThat(PoisonRecords.header(r, DeadLetterHeaders.TOPIC))
                              .isEqualTo(Topics.CAPTURES);
                          assertThat(PoisonRecords.header(r, DeadLetterHeaders.REASON))
                              .isEqualTo("unexpected-type");
                        });
              });
      given().get("/captures/stray").then().statusCode(404);
    }
    String name = unique("after_poison");
    table(name);
    String id = defineCapture(name);
    given().get("/captures/" + id).then().statusCode(200);
    given().get("/q/health/ready").then().statusCode(200);
  }

  @Test
  void aSnapshotExpiredBeforeItsCaptureIsPublishedAsALostChange() {
    String name = unique("lost");
    Table table = table(name);
    String id = defineCapture(name);
    TableRef ref = new TableRef(stack.catalog().name(), List.of("api"), name);
    Snapshot lost = commit(table);
    Snapshot kept = commit(table);
    // Expired between its publication and its capture; the next snapshot keeps every data file.
    table.expireSnapshots().expireSnapshotId(lost.snapshotId()).cleanExpiredFiles(false).commit();
    String bootstrap = stack.kafka().bootstrapServers();

    try (SnapshotFeed feed = new SnapshotFeed(bootstrap, stack.catalog().name());
        EventTap changes = new EventTap(bootstrap, Topics.CHANGES)) {
      feed.publish(ref, table, lost);
      feed.publish(ref, table, kept);

      ChangeLost gone =
          changes.await(ChangeLost.class, c -> c.captureId().equals(id), Duration.ofSeconds(60));
      assertThat(gone.snapshotId()).isEqualTo(lost.snapshotId());
      assertThat(gone.parentSnapshotId()).isEqualTo(lost.parentId());
      assertThat(gone.reason()).isEqualTo("expired");
      ChangeCaptured next =
          changes.await(
              ChangeCaptured.class, c -> c.captureId().equals(id), Duration.ofSeconds(60));
      assertThat(next.range().toSnapshotId()).isEqualTo(kept.snapshotId());
    }
  }

  @Test
  void malformedUnknownVersionAndOversizedSnapshotEventsGoToTheDeadLetterTopicAndCaptureGoesOn() {
    String name = unique("dlq");
    Table table = table(name);
    String id = defineCapture(name);
    TableRef ref = new TableRef(stack.catalog().name(), List.of("api"), name);
    String bootstrap = stack.kafka().bootstrapServers();

    try (SnapshotFeed feed = new SnapshotFeed(bootstrap, stack.catalog().name());
        EventTap dlq = new EventTap(bootstrap, DEAD_LETTERS);
        EventTap changes = new EventTap(bootstrap, Topics.CHANGES)) {
      // The poison records come first on the table's partition, the good one after them.
      Map<PoisonRecords.Kind, RecordMetadata> poison =
          PoisonRecords.send(
              bootstrap, Topics.SNAPSHOTS, Topics.tableKey(ref), "SnapshotCommitted");
      Snapshot good = commit(table);
      feed.publish(ref, table, good);

      ChangeCaptured captured =
          changes.await(
              ChangeCaptured.class, c -> c.captureId().equals(id), Duration.ofSeconds(60));
      assertThat(captured.range().toSnapshotId()).isEqualTo(good.snapshotId());
      PoisonRecords.assertDeadLettered(dlq, "change-capture-service", Topics.SNAPSHOTS, poison);
    }
    given().get("/q/health/ready").then().statusCode(200);
  }
}
