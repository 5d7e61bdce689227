package dev.floe.listener.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.floe.contracts.topic.DeadLetterHeaders;
import dev.floe.contracts.topic.Topics;
import dev.floe.listener.hint.HintParser;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.test.FloeTestResource;
import dev.floe.stack.test.InjectFloeStack;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.apache.iceberg.metrics.ImmutableCommitMetricsResult;
import org.apache.iceberg.metrics.ImmutableCommitReport;
import org.apache.iceberg.rest.requests.ReportMetricsRequest;
import org.apache.iceberg.rest.requests.ReportMetricsRequestParser;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Push hints over HTTP and Kafka; a malformed one on Kafka goes to the DLQ with its reason. */
@QuarkusTest
@WithTestResource(FloeTestResource.class)
@Timeout(120)
class HintResourceTest {
  @InjectFloeStack FloeStack stack;
  @Inject MeterRegistry registry;

  static String commitReport(String tableName, long snapshotId) {
    return ReportMetricsRequestParser.toJson(
        ReportMetricsRequest.of(
            ImmutableCommitReport.builder()
                .tableName(tableName)
                .snapshotId(snapshotId)
                .sequenceNumber(1)
                .operation("append")
                .commitMetrics(ImmutableCommitMetricsResult.builder().build())
                .build()));
  }

  private double hints(String outcome) {
    var counter = registry.find("floe.listener.hints").tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }

  @BeforeEach
  void awaitReady() {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> given().get("/q/health/ready").statusCode() == 200);
  }

  @Test
  void aCommitReportAtTheIcebergMetricsPathBecomesAHintKeyedByTable() {
    stack
        .writer()
        .createOrLoad(
            org.apache.iceberg.catalog.TableIdentifier.of("hints", "orders"),
            dev.floe.stack.writer.Orders.SCHEMA,
            dev.floe.stack.writer.Orders.BY_DAY);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> given().get("/watches/hints.orders").statusCode() == 200);
    double accepted = hints("accepted");

    given()
        .contentType(ContentType.JSON)
        .body(commitReport("lake.hints.orders", 42))
        .post("/v1/namespaces/hints/tables/orders/metrics")
        .then()
        .statusCode(204);
    given()
        .contentType(ContentType.JSON)
        .body(commitReport("lake.hints.orders", 43))
        .post("/v1/prod/namespaces/hints/tables/orders/metrics")
        .then()
        .statusCode(204);

    try (EventTap tap = new EventTap(stack.kafka().bootstrapServers(), Topics.HINTS)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                tap.pollRaw(Duration.ofMillis(100));
                return tap.raw().stream().filter(r -> "lake:hints.orders".equals(r.key())).count()
                    >= 2;
              });
    }
    // hints.orders is a discovered table of a watched namespace: its owner accepts the hints
    await().atMost(Duration.ofSeconds(30)).until(() -> hints("accepted") >= accepted + 2);
  }

  @Test
  void aHintForAnUnwatchedTableIsCountedAndIgnored() {
    double before = hints("unwatched");

    given()
        .contentType(ContentType.JSON)
        .body(commitReport("lake.nowhere.t", 1))
        .post("/v1/namespaces/nowhere/tables/t/metrics")
        .then()
        .statusCode(204);

    await().atMost(Duration.ofSeconds(30)).until(() -> hints("unwatched") > before);
  }

  @Test
  void aMalformedReportOverHttpIsABadRequestNamingTheBody() {
    given()
        .contentType(ContentType.JSON)
        .body("{\"report-type\": \"commit-report\"}")
        .post("/v1/namespaces/hints/tables/orders/metrics")
        .then()
        .statusCode(400)
        .contentType("application/problem+json")
        .body("errors[0].field", equalTo("body"));
  }

  @Test
  void aMalformedHintOnKafkaGoesToTheDeadLetterTopicWithItsReason() {
    byte[] garbage = "{not a report".getBytes(StandardCharsets.UTF_8);
    try (KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer());
        EventTap dlq =
            new EventTap(stack.kafka().bootstrapServers(), Topics.deadLetter("commit-listener"))) {
      producer.send(new ProducerRecord<>(Topics.HINTS, "lake:hints.orders", garbage));
      producer.flush();

      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                dlq.pollRaw(Duration.ofMillis(100));
                return !dlq.raw().isEmpty();
              });
      ConsumerRecord<String, byte[]> dead = dlq.raw().get(0);
      assertThat(dead.value()).isEqualTo(garbage);
      assertThat(dead.key()).isEqualTo("lake:hints.orders");
      assertThat(header(dead, DeadLetterHeaders.REASON)).isEqualTo("malformed-hint");
      assertThat(header(dead, DeadLetterHeaders.TOPIC)).isEqualTo(Topics.HINTS);
      assertThat(header(dead, DeadLetterHeaders.CAUSE)).contains("ReportMetricsRequest");
    }
    given().get("/q/health/ready").then().statusCode(200);
  }

  @Test
  void anOversizedHintOnKafkaGoesToTheDeadLetterTopicUnread() {
    byte[] big = new byte[HintParser.MAX_BYTES + 1];
    Arrays.fill(big, (byte) ' ');
    try (KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer());
        EventTap dlq =
            new EventTap(stack.kafka().bootstrapServers(), Topics.deadLetter("commit-listener"))) {
      producer.send(new ProducerRecord<>(Topics.HINTS, "lake:hints.big", big));
      producer.flush();

      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                dlq.pollRaw(Duration.ofMillis(100));
                return dlq.raw().stream().anyMatch(r -> "lake:hints.big".equals(r.key()));
              });
      ConsumerRecord<String, byte[]> dead =
          dlq.raw().stream()
              .filter(r -> "lake:hints.big".equals(r.key()))
              .findFirst()
              .orElseThrow();
      assertThat(dead.value()).isEqualTo(big);
      assertThat(header(dead, DeadLetterHeaders.REASON)).isEqualTo("oversized-hint");
      assertThat(header(dead, DeadLetterHeaders.CAUSE)).contains("over the limit");
    }
    given().get("/q/health/ready").then().statusCode(200);
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
