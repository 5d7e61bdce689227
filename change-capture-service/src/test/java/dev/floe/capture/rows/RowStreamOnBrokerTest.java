package dev.floe.capture.rows;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.floe.capture.flow.SnapshotFeed;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.test.FloeTestResource;
import dev.floe.stack.test.InjectFloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The row stream end to end: the capture service, asked over REST for a capture with a row stream,
 * captures real commits fed through the real broker, and a plain read-committed consumer reads the
 * stream with Kafka Connect's {@code JsonConverter}. Replaying its transactions in order reproduces
 * the source at every snapshot, and Debezium's own transforms and sink reader take every record.
 */
@QuarkusTest
@WithTestResource(FloeTestResource.class)
@Timeout(180)
class RowStreamOnBrokerTest {
  private static final OffsetDateTime DAY =
      OffsetDateTime.of(2026, 11, 22, 0, 0, 0, 0, ZoneOffset.UTC);

  @InjectFloeStack FloeStack stack;

  @Test
  void aConsumerThatFloeDidNotWriteReplaysTheStreamIntoTheSourceAtEverySnapshot() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> given().get("/q/health/ready").statusCode() == 200);
    String name = "rows_" + UUID.randomUUID().toString().substring(0, 6);
    TableWriter writer = stack.writer();
    Schema keyed = new Schema(Orders.SCHEMA.columns(), Set.of(1));
    Table source = writer.createOrLoad(TableIdentifier.of("rowsapi", name), keyed, Orders.BY_DAY);
    TableRef ref = new TableRef(stack.catalog().name(), List.of("rowsapi"), name);
    String id = name.replace('_', '-');
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("id", id, "table", "rowsapi." + name, "rowStream", true))
        .post("/captures")
        .then()
        .statusCode(201);
    assertThat(given().get("/captures/" + id).then().extract().path("rowStream").toString())
        .isEqualTo("true");
    // A table has one row stream: a second capture streaming it would publish every row twice.
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("id", id + "-2", "table", "rowsapi." + name, "rowStream", true))
        .post("/captures")
        .then()
        .statusCode(409)
        .contentType("application/problem+json")
        .body("errors[0].field", equalTo("rowStream"));

    // Each kind of change once: append, copy-on-write update, merge-on-read deletes, compaction.
    List<Snapshot> snapshots = new ArrayList<>();
    List<Record> first = new ArrayList<>();
    for (long i = 1; i <= 12; i++) {
      first.add(order(source, i, (int) (i % 2), "NEW"));
    }
    snapshots.add(writer.append(source, first));
    List<Record> day0 = new ArrayList<>();
    for (Record row : SourceRows.where(source, day(0))) {
      Record copy = row.copy();
      if ((Long) row.getField("order_id") % 4 == 0) {
        copy.setField("status", "SHIPPED");
      }
      day0.add(copy);
    }
    snapshots.add(writer.overwrite(source, day(0), day0));
    snapshots.add(writer.deleteRowsByPosition(source, Expressions.equal("order_id", 3L)));
    snapshots.add(writer.deleteRowsByEquality(source, "order_id", List.of(5L, 7L)));
    snapshots.add(writer.compact(source));
    snapshots.add(writer.append(source, List.of(order(source, 13, 1, "NEW"))));

    try (SnapshotFeed feed = new SnapshotFeed(stack.kafka().bootstrapServers(), ref.catalog());
        RowTopics topics = new RowTopics(stack.kafka().bootstrapServers(), ref)) {
      snapshots.forEach(s -> feed.publish(ref, source, s));
      List<RowTopics.Transaction> transactions =
          topics.awaitTransactions(snapshots.size(), Duration.ofSeconds(90));
      assertThat(transactions.stream().map(RowTopics.Transaction::snapshotId))
          .as("one transaction per snapshot, in commit order")
          .containsExactlyElementsOf(snapshots.stream().map(Snapshot::snapshotId).toList());
      RowStreamReplay replay = new RowStreamReplay(source.schema());
      Map<Long, Integer> events = new HashMap<>();
      for (RowTopics.Transaction transaction : transactions) {
        RowTopics.replay(transaction, replay);
        events.put(transaction.snapshotId(), transaction.rows().size());
        assertThat(SourceRows.multiset(replay.rows()))
            .as("the replayed rows at snapshot %d", transaction.snapshotId())
            .isEqualTo(SourceRows.multiset(SourceRows.at(source, transaction.snapshotId())));
      }
      assertThat(events.get(snapshots.get(1).snapshotId()))
          .as("the copy-on-write rewrite publishes its 3 updated rows, not its carried-over ones")
          .isEqualTo(3);
      assertThat(events.get(snapshots.get(4).snapshotId())).as("the compaction").isZero();
      assertThat(replay.ops()).containsEntry("u", 3).containsEntry("d", 3).containsKey("c");
      assertThat(replay.tombstones()).as("a tombstone after each delete, by default").isEqualTo(3);

      // Debezium's own converter, transforms and sink reader take every record as it was read.
      DebeziumChecks debezium = new DebeziumChecks();
      Map<String, Integer> kinds = new HashMap<>();
      for (RowTopics.Transaction transaction : transactions) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>(transaction.rows());
        records.addAll(transaction.tombstones().values());
        for (ConsumerRecord<String, byte[]> r : records) {
          kinds.merge(
              debezium.check(debezium.read(r.topic(), r.key(), r.value(), r.offset()), false),
              1,
              Integer::sum);
        }
        for (ConsumerRecord<String, byte[]> r : transaction.markers()) {
          kinds.merge(
              debezium.check(debezium.read(r.topic(), r.key(), r.value(), r.offset()), true),
              1,
              Integer::sum);
        }
      }
      assertThat(kinds)
          .containsEntry("BEGIN", snapshots.size())
          .containsEntry("END", snapshots.size())
          .containsEntry("u", 3)
          .containsEntry("d", 3)
          .containsEntry("tombstone", 3)
          .containsKey("c");
    }
  }

  @Test
  void aStreamWithAnInitialSnapshotBeginsWithTheTableRowsAsReads() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> given().get("/q/health/ready").statusCode() == 200);
    String name = "rows_" + UUID.randomUUID().toString().substring(0, 6);
    TableWriter writer = stack.writer();
    Table source =
        writer.createOrLoad(TableIdentifier.of("rowsapi", name), Orders.SCHEMA, Orders.BY_DAY);
    TableRef ref = new TableRef(stack.catalog().name(), List.of("rowsapi"), name);
    // The table's rows before the capture exists: never fed, so only the snapshot can tell them.
    writer.append(source, List.of(order(source, 1, 0, "NEW"), order(source, 2, 1, "NEW")));
    Snapshot before =
        writer.append(source, List.of(order(source, 3, 0, "NEW"), order(source, 3, 0, "NEW")));
    String id = name.replace('_', '-');
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("id", id, "table", "rowsapi." + name, "rowStreamSnapshot", true))
        .post("/captures")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("errors[0].field", equalTo("rowStreamSnapshot"));
    given()
        .contentType(ContentType.JSON)
        .body(Map.of("id", id, "table", "rowsapi." + name, "rowStreamTransactionTopic", "capture"))
        .post("/captures")
        .then()
        .statusCode(400)
        .body("errors[0].field", equalTo("rowStreamTransactionTopic"));
    given()
        .contentType(ContentType.JSON)
        .body(
            Map.of(
                "id",
                id,
                "table",
                "rowsapi." + name,
                "rowStream",
                true,
                "rowStreamSnapshot",
                true,
                "rowStreamTransactionTopic",
                "capture"))
        .post("/captures")
        .then()
        .statusCode(201);
    given()
        .get("/captures/" + id)
        .then()
        .body("rowStreamTransactionTopic", equalTo("capture"))
        .body("rowStreamTombstones", equalTo(true));

    List<Snapshot> changes = new ArrayList<>();
    changes.add(writer.append(source, List.of(order(source, 4, 1, "NEW"))));
    changes.add(writer.deleteRowsByPosition(source, Expressions.equal("order_id", 1L)));
    try (SnapshotFeed feed = new SnapshotFeed(stack.kafka().bootstrapServers(), ref.catalog());
        RowTopics topics =
            new RowTopics(stack.kafka().bootstrapServers(), ref, Topics.captureTransactions(id))) {
      changes.forEach(s -> feed.publish(ref, source, s));
      List<RowTopics.Transaction> transactions =
          topics.awaitTransactions(3, Duration.ofSeconds(90));
      assertThat(transactions.stream().map(RowTopics.Transaction::snapshotId))
          .as("the initial snapshot at the first change's parent, then each change once")
          .containsExactly(
              before.snapshotId(), changes.get(0).snapshotId(), changes.get(1).snapshotId());
      RowStreamReplay replay = new RowStreamReplay(source.schema());
      List<String> markers = new ArrayList<>();
      for (RowTopics.Transaction transaction : transactions) {
        for (var record : transaction.rows()) {
          markers.add(
              replay.source(record.topic(), record.value()).getString("snapshot")
                  + "/"
                  + replay.op(record.topic(), record.value()));
        }
        RowTopics.replay(transaction, replay);
        assertThat(SourceRows.multiset(replay.rows()))
            .as("the replayed rows at snapshot %d", transaction.snapshotId())
            .isEqualTo(SourceRows.multiset(SourceRows.at(source, transaction.snapshotId())));
      }
      assertThat(markers)
          .containsExactly("first/r", "true/r", "true/r", "last/r", "false/c", "false/d");

      // Moved to the table's transactions topic, the stream has begun all the same (its rows
      // topic holds events): the next change comes alone, with no second initial snapshot.
      given()
          .contentType(ContentType.JSON)
          .body(
              Map.of(
                  "id",
                  id,
                  "table",
                  "rowsapi." + name,
                  "rowStream",
                  true,
                  "rowStreamSnapshot",
                  true))
          .post("/captures")
          .then()
          .statusCode(200);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  "table"
                      .equals(
                          given()
                              .get("/captures/" + id)
                              .then()
                              .extract()
                              .path("rowStreamTransactionTopic")));
      Snapshot later = writer.append(source, List.of(order(source, 5, 1, "NEW")));
      feed.publish(ref, source, later);
      try (RowTopics moved = new RowTopics(stack.kafka().bootstrapServers(), ref)) {
        List<RowTopics.Transaction> after = moved.awaitTransactions(1, Duration.ofSeconds(90));
        assertThat(after.stream().map(RowTopics.Transaction::snapshotId))
            .containsExactly(later.snapshotId());
        assertThat(after.get(0).rows()).hasSize(1);
      }
    }
  }

  private static Expression day(int day) {
    return Expressions.and(
        Expressions.greaterThanOrEqual("order_ts", micros(DAY.plusDays(day))),
        Expressions.lessThan("order_ts", micros(DAY.plusDays(day + 1))));
  }

  private static long micros(OffsetDateTime at) {
    return at.toEpochSecond() * 1_000_000L;
  }

  private static Record order(Table table, long id, int day, String status) {
    return Orders.order(
        table,
        id,
        "eu-west",
        status,
        BigDecimal.valueOf(1000 + id, 2),
        DAY.plusDays(day).plusHours(id));
  }
}
