package dev.floe.listener.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.event.WatchDefined;
import dev.floe.contracts.model.Identifiers;
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
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** /watches over HTTP, on a real broker and catalog. */
@QuarkusTest
@WithTestResource(FloeTestResource.class)
@Timeout(120)
class WatchResourceTest {
  private static final OffsetDateTime TS =
      OffsetDateTime.of(2026, 11, 21, 0, 0, 0, 0, ZoneOffset.UTC);
  @InjectFloeStack FloeStack stack;

  private static String uniqueTable(String prefix) {
    return "api." + prefix + "_" + UUID.randomUUID().toString().substring(0, 6);
  }

  private Snapshot commit(String qualified) {
    TableIdentifier id = TableIdentifier.parse(qualified);
    Table table = stack.writer().createOrLoad(id, Orders.SCHEMA, Orders.BY_DAY);
    return stack
        .writer()
        .append(
            table,
            List.of(Orders.order(table, System.nanoTime(), "eu-west", "NEW", BigDecimal.ONE, TS)));
  }

  private void awaitListenerReady() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> given().get("/q/health/ready").statusCode() == 200);
  }

  /**
   * Every instance reads floe.watches in full, at every start: a bad record there is dead-lettered
   * once ({@code DeadLetterOnceTest} shows two instances and a restart), and the watches after it
   * are still read.
   */
  @Test
  void badRecordsOnTheWatchesTopicAreDeadLetteredAndWatchesGoOn() {
    awaitListenerReady();
    String bootstrap = stack.kafka().bootstrapServers();
    try (EventTap dlq = new EventTap(bootstrap, Topics.deadLetter("commit-listener"))) {
      Map<PoisonRecords.Kind, RecordMetadata> poison =
          PoisonRecords.send(bootstrap, Topics.WATCHES, "lake:api.poisoned", "WatchDefined");

      PoisonRecords.assertDeadLettered(dlq, "commit-listener", Topics.WATCHES, poison);
    }
    String name = uniqueTable("after_poison");
    commit(name);
    given()
        .contentType(ContentType.JSON)
        .body("{\"table\": \"" + name + "\"}")
        .post("/watches")
        .then()
        .statusCode(201);
    given().get("/watches").then().statusCode(200).body("table", hasItem(name));
    given().get("/q/health/ready").then().statusCode(200);
  }

  @Test
  void addedWatchIsStoredListedAndPublishedFromTheEarliestSnapshot() {
    awaitListenerReady();
    String name = uniqueTable("added");
    Snapshot before = commit(name);

    given()
        .contentType(ContentType.JSON)
        .body("{\"table\": \"" + name + "\"}")
        .when()
        .post("/watches")
        .then()
        .statusCode(201)
        .header("Location", org.hamcrest.Matchers.endsWith("/watches/" + name))
        .body("table", equalTo(name))
        .body("source", equalTo("api"))
        .body("branches", equalTo(List.of("main")))
        .body("initialPosition", equalTo("earliest"));

    given().get("/watches").then().statusCode(200).body("table", hasItem(name));
    try (EventTap watches = new EventTap(stack.kafka().bootstrapServers(), Topics.WATCHES);
        EventTap snapshots = new EventTap(stack.kafka().bootstrapServers(), Topics.SNAPSHOTS)) {
      WatchDefined defined =
          watches.await(
              WatchDefined.class,
              w -> w.table().qualifiedName().equals(name),
              Duration.ofSeconds(30));
      assertThat(defined.initialPosition().wireName()).isEqualTo("earliest");
      snapshots.await(
          SnapshotCommitted.class,
          s -> s.snapshotId() == before.snapshotId(),
          Duration.ofSeconds(30));
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                given()
                    .get("/watches/" + name)
                    .then()
                    .statusCode(200)
                    .body("status", equalTo("ok"))
                    .body("published.main.snapshotId", equalTo(before.snapshotId())));
  }

  @Test
  void watchFromLatestSkipsHistoryAndPublishesNewCommits() {
    awaitListenerReady();
    String name = uniqueTable("latest");
    Snapshot old = commit(name);

    given()
        .contentType(ContentType.JSON)
        .body("{\"table\": \"" + name + "\", \"initialPosition\": \"latest\"}")
        .post("/watches")
        .then()
        .statusCode(201);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                given()
                    .get("/watches/" + name)
                    .then()
                    .body("published.main.snapshotId", equalTo(old.snapshotId())));
    Snapshot fresh = commit(name);

    try (EventTap snapshots = new EventTap(stack.kafka().bootstrapServers(), Topics.SNAPSHOTS)) {
      snapshots.await(
          SnapshotCommitted.class,
          s -> s.snapshotId() == fresh.snapshotId(),
          Duration.ofSeconds(30));
      assertThat(snapshots.drain())
          .noneMatch(
              r ->
                  r.event().payload() instanceof SnapshotCommitted s
                      && s.snapshotId() == old.snapshotId());
    }
  }

  @Test
  void aTableWatchedBeforeItExistsIsPendingThenPublished() {
    awaitListenerReady();
    String name = uniqueTable("later");
    given()
        .contentType(ContentType.JSON)
        .body("{\"table\": \"" + name + "\"}")
        .post("/watches")
        .then()
        .statusCode(201);
    given().get("/watches/" + name).then().statusCode(200).body("status", equalTo("pending"));

    Snapshot first = commit(name);

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                given()
                    .get("/watches/" + name)
                    .then()
                    .body("published.main.snapshotId", equalTo(first.snapshotId())));
  }

  @Test
  void removedWatchIsGoneAndItsDefinitionTombstoned() {
    awaitListenerReady();
    String name = uniqueTable("removed");
    given()
        .contentType(ContentType.JSON)
        .body("{\"table\": \"" + name + "\"}")
        .post("/watches")
        .then()
        .statusCode(201);

    given().delete("/watches/" + name).then().statusCode(204);

    given()
        .get("/watches/" + name)
        .then()
        .statusCode(404)
        .contentType("application/problem+json")
        .body("status", equalTo(404))
        .body("detail", org.hamcrest.Matchers.containsString(name));
  }

  @Test
  void aConfiguredWatchCannotBeRemovedOverRest() {
    awaitListenerReady();
    given()
        .delete("/watches/config.pinned")
        .then()
        .statusCode(409)
        .contentType("application/problem+json")
        .body("detail", org.hamcrest.Matchers.containsString("floe.listener.watch.tables"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "demo.orders'; DROP TABLE demo.orders; --",
        "demo.orders\" OR \"1\"=\"1",
        "../../etc.passwd",
        "demo/../../secrets.orders",
        "demo.orders\\..\\x",
        "demo..orders",
        "demo.orders%2F..%2Fx",
        "demo.orders\u0000"
      })
  void tableNamesWithPathOrSqlTricksAreRefusedAndNothingIsWatched(String table) {
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("table", table, "branches", List.of("main")))
        .post("/watches")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("errors.field", hasItem("table"));
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("table", "tricks.branch", "branches", List.of("../main")))
        .post("/watches")
        .then()
        .statusCode(400)
        .body("errors.field", hasItem(org.hamcrest.Matchers.startsWith("branches")));

    List<String> watched = given().get("/watches").then().extract().jsonPath().getList("table");
    assertThat(watched).doesNotContain(table, "tricks.branch");
  }

  @Test
  void invalidRequestsAnswerProblemDetailsNamingTheField() {
    given()
        .contentType(ContentType.JSON)
        .body("{\"table\": \"orders\"}")
        .post("/watches")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("errors[0].field", equalTo("table"))
        .body("errors[0].message", equalTo(Identifiers.TABLE_MESSAGE));
    given()
        .contentType(ContentType.JSON)
        .body("{\"table\": \"a.b\", \"initialPosition\": \"tomorrow\"}")
        .post("/watches")
        .then()
        .statusCode(400)
        .body("errors[0].field", equalTo("initialPosition"))
        .body("errors[0].message", org.hamcrest.Matchers.containsString("earliest, latest"));
    given()
        .contentType(ContentType.JSON)
        .body("{\"table\": \"a.b\", \"branches\": [\"main\", \"\"]}")
        .post("/watches")
        .then()
        .statusCode(400)
        .body("errors.field", hasItem(org.hamcrest.Matchers.startsWith("branches")));
    given()
        .contentType(ContentType.JSON)
        .body("{\"table\": ")
        .post("/watches")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("errors[0].field", equalTo("body"));
    given()
        .contentType(ContentType.JSON)
        .post("/watches")
        .then()
        .statusCode(400)
        .body("errors[0].field", equalTo("body"));
  }
}
