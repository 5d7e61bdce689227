package dev.floe.backfill;

import dev.floe.broker.EventRecords;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.test.AuthEnabledProfile;
import dev.floe.stack.test.FloeAuthContract;
import dev.floe.stack.test.FloeTestResource;
import dev.floe.stack.test.TestTriggers;
import dev.floe.stack.writer.Orders;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;

/**
 * Who may call the backfill-service's API. The tests, and their assertions, are {@link
 * FloeAuthContract}'s (401 without a token, 403 below each endpoint's role, passage at and above
 * it, forged and expired tokens refused, a refused call changing nothing); this class lists the
 * service's endpoints with the least role each needs, and a state-changing call.
 */
@QuarkusTest
@TestProfile(AuthEnabledProfile.class)
@WithTestResource(FloeTestResource.class)
class BackfillAuthTest extends FloeAuthContract {
  private static final OffsetDateTime OCT_1 =
      OffsetDateTime.of(2026, 10, 1, 0, 0, 0, 0, ZoneOffset.UTC);
  private static boolean prepared;

  /** A source table with one day of rows, and the trigger a backfill of it runs through. */
  @BeforeEach
  void prepare() throws Exception {
    if (prepared) {
      return;
    }
    Table source =
        stack
            .writer()
            .createOrLoad(TableIdentifier.of("auth", "bf_source"), Orders.SCHEMA, Orders.BY_DAY);
    stack
        .writer()
        .append(
            source,
            List.of(Orders.order(source, 1L, "eu", "NEW", BigDecimal.ONE, OCT_1.plusHours(1))));
    TriggerDefined trigger = TestTriggers.webhook("auth-job");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
            new StringSerializer(),
            new ByteArraySerializer())) {
      producer
          .send(
              EventRecords.of(
                  Topics.TRIGGERS, Event.of(trigger, Event.sourceOf("test"), Instant.now())))
          .get();
    }
    prepared = true;
  }

  @Override
  protected List<Call> calls() {
    return List.of(
        new Call("GET", "/backfills", null, "viewer"),
        new Call("GET", "/backfills/none", null, "viewer"),
        new Call("POST", "/backfills", "{}", "operator"),
        new Call("POST", "/backfills/none/pause", null, "operator"),
        new Call("POST", "/backfills/none/resume", null, "operator"),
        new Call("POST", "/backfills/none/cancel", null, "operator"),
        new Call("POST", "/backfills/none/retry", null, "operator"));
  }

  @Override
  protected Call change() {
    return new Call(
        "POST",
        "/backfills",
        """
        {"id": "auth-bf", "table": "auth.bf_source", "trigger": "auth-job", "concurrency": 1,
         "range": {"field": "order_ts", "from": "2026-10-01T00:00:00Z", "to": "2026-10-02T00:00:00Z"},
         "chunking": {"strategy": "day", "field": "order_ts"}}
        """,
        "operator");
  }

  @Override
  protected String view() {
    return "/backfills";
  }

  @Override
  protected String auditField() {
    return "requestedBy";
  }
}
