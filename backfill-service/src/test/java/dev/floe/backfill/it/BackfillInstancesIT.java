package dev.floe.backfill.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.Concurrency;
import dev.floe.contracts.model.Launcher;
import dev.floe.contracts.model.RetryPolicy;
import dev.floe.contracts.model.TriggerCondition;
import dev.floe.contracts.model.TriggerInput;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.auth.DevAuth;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.host.Ports;
import dev.floe.stack.host.ServiceProcess;
import dev.floe.stack.kafka.EmbeddedKafka;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two packaged backfill-service instances split the backfills between their decision cores; each
 * answers for all of them. Every backfill's view and the listing are the same from either instance,
 * a command sent to the one that does not hold a backfill takes effect, and while one instance is
 * killed the other answers each call with the backfill as it stood or with a 503 and {@code
 * Retry-After}, never a 404 or an empty listing, until it holds them all.
 */
class BackfillInstancesIT {
  static final Path APP =
      Path.of(System.getProperty("floe.backfill.app", "target/quarkus-app")).toAbsolutePath();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String TOKEN = DevAuth.forTests().token("instances-it", List.of("admin"));
  private static final OffsetDateTime DAY =
      OffsetDateTime.of(2026, 11, 1, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final int BACKFILLS = 6;

  @Test
  @Timeout(300)
  void eitherInstanceAnswersForEveryBackfillAndThroughAKill() throws Exception {
    Path home = FloeStack.workDir("backfill-instances");
    List<ServiceProcess> processes = new CopyOnWriteArrayList<>();
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        CatalogFixture catalog = CatalogFixture.start(CatalogKind.SQLITE, home)) {
      try {
        TableWriter writer = new TableWriter(catalog.catalog());
        Table orders =
            writer.createOrLoad(TableIdentifier.of("demo", "orders"), Orders.SCHEMA, Orders.BY_DAY);
        for (int day = 0; day < 4; day++) {
          writer.append(
              orders,
              List.of(
                  Orders.order(orders, day + 1, "eu", "NEW", BigDecimal.ONE, DAY.plusDays(day))));
        }
        defineTrigger(kafka.bootstrapServers());
        Map<String, String> shared = new LinkedHashMap<>(catalog.floeConfig());
        shared.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        shared.put("floe.topics.partitions", "4");
        shared.putAll(DevAuth.forTests().serviceConfig());
        ServiceProcess a = start("a", shared, home, processes);
        ServiceProcess b = start("b", shared, home, processes);
        a.awaitColdStart();
        b.awaitColdStart();

        // Backfills whose chunk runs nobody reports: they stay running. Each is created through
        // a, whichever instance holds it.
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < BACKFILLS; i++) {
          String id = "bf-" + i;
          ids.add(id);
          HttpResponse<String> created = answered("POST", a.url().resolve("/backfills"), body(id));
          assertThat(created.statusCode())
              .as("create " + id + ": " + created.body())
              .isIn(201, 202);
        }
        for (String id : ids) {
          await("the same view of " + id + " from a and b")
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofMillis(250))
              .untilAsserted(
                  () -> {
                    String fromA = identity(call("GET", a.url().resolve("/backfills/" + id), null));
                    assertThat(fromA).contains("running");
                    assertThat(identity(call("GET", b.url().resolve("/backfills/" + id), null)))
                        .isEqualTo(fromA);
                  });
        }
        assertThat(listing(a)).isEqualTo(listing(b)).containsOnlyKeys(ids);

        // A command to b takes effect wherever the backfill is held.
        for (String id : ids) {
          HttpResponse<String> paused =
              answered("POST", b.url().resolve("/backfills/" + id + "/pause?reason=it"), null);
          assertThat(paused.statusCode()).as("pause " + id + ": " + paused.body()).isIn(200, 202);
        }
        await("every backfill paused, seen from a")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(250))
            .untilAsserted(
                () -> assertThat(listing(a).values()).allMatch(s -> s.startsWith("paused")));
        Map<String, String> before = listing(a);

        // b is killed: a answers every call with the backfill as it stood, or a 503 with
        // Retry-After while b's backfills move to it; in the end with all of them.
        b.kill();
        List<String> wrong = new ArrayList<>();
        int[] unavailable = {0};
        await("a holds every backfill")
            .atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> {
                  boolean all = true;
                  for (String id : ids) {
                    HttpResponse<String> one =
                        call("GET", a.url().resolve("/backfills/" + id), null);
                    if (one.statusCode() == 503) {
                      check503(one, wrong, unavailable);
                      all = false;
                    } else if (one.statusCode() != 200 || !identity(one).equals(before.get(id))) {
                      wrong.add(id + ": " + one.statusCode() + " " + one.body());
                    }
                  }
                  HttpResponse<String> list = call("GET", a.url().resolve("/backfills"), null);
                  if (list.statusCode() == 503) {
                    check503(list, wrong, unavailable);
                    return false;
                  }
                  if (list.statusCode() != 200 || !listing(list).equals(before)) {
                    wrong.add("listing: " + list.statusCode() + " " + list.body());
                  }
                  return all;
                });
        assertThat(wrong).as("answers neither the backfill nor a 503 with Retry-After").isEmpty();
        System.out.printf(
            "backfill instances: %d backfills, %d answers 503 with Retry-After after b's kill%n",
            ids.size(), unavailable[0]);
      } finally {
        processes.parallelStream().forEach(ServiceProcess::close);
      }
    }
  }

  private static void check503(HttpResponse<String> answer, List<String> wrong, int[] count) {
    if (answer.headers().firstValue("Retry-After").isEmpty()) {
      wrong.add("503 without Retry-After: " + answer.body());
    }
    count[0]++;
  }

  /** What must match between two views of a backfill: its id, state and revision. */
  private static String identity(HttpResponse<String> answer) throws IOException {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return identity(JSON.readTree(answer.body()));
  }

  private static String identity(JsonNode view) {
    return view.path("state").asText() + "@" + view.path("revision").asLong();
  }

  private static Map<String, String> listing(ServiceProcess instance) throws Exception {
    HttpResponse<String> list = answered("GET", instance.url().resolve("/backfills"), null);
    assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
    return listing(list);
  }

  private static Map<String, String> listing(HttpResponse<String> list) throws IOException {
    Map<String, String> byId = new TreeMap<>();
    for (JsonNode view : JSON.readTree(list.body())) {
      byId.put(view.path("id").asText(), identity(view));
    }
    return byId;
  }

  private static String body(String id) {
    return ("{\"id\": \"%s\", \"table\": \"demo.orders\", \"range\": {\"field\": \"order_ts\","
            + " \"from\": \"2026-11-01T00:00:00Z\", \"to\": \"2026-11-05T00:00:00Z\"},"
            + " \"chunking\": {\"strategy\": \"day\", \"field\": \"order_ts\"},"
            + " \"trigger\": \"daily\", \"concurrency\": 2}")
        .formatted(id);
  }

  /** The trigger whose job would run the chunks; no trigger-service runs here. */
  private static void defineTrigger(String bootstrap) throws Exception {
    TriggerDefined trigger =
        new TriggerDefined(
            "daily",
            List.of(TriggerInput.capture("orders")),
            TriggerCondition.ANY,
            0,
            1,
            null,
            Duration.ZERO,
            List.of(),
            Arrays.stream(ChangeKind.values()).filter(k -> k != ChangeKind.REPLACE).toList(),
            false,
            Concurrency.sequential(),
            new RetryPolicy(1, Duration.ofSeconds(10)),
            Duration.ofHours(1),
            new Launcher(
                Launcher.Type.WEBHOOK, "http://127.0.0.1:9/job", null, null, null, null, null),
            false,
            null,
            "instances-it",
            Instant.now());
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
            new StringSerializer(),
            new ByteArraySerializer())) {
      producer
          .send(
              new ProducerRecord<>(
                  Topics.TRIGGERS,
                  "daily",
                  EventCodec.encode(Event.of(trigger, Event.sourceOf("test"), Instant.now()))))
          .get();
    }
  }

  private static ServiceProcess start(
      String instance, Map<String, String> shared, Path home, List<ServiceProcess> processes) {
    Map<String, String> config = new LinkedHashMap<>(shared);
    config.put("floe.backfill.instance-id", instance);
    config.put("floe.backfill.state-dir", home.resolve("state-" + instance).toString());
    ServiceProcess process =
        ServiceProcess.start(
            "backfill-" + instance, APP, Ports.freePort(), config, home.resolve("logs"));
    processes.add(process);
    return process;
  }

  /**
   * The answer to a call, asked again while it is a 503 with {@code Retry-After}, as the contract
   * says: the group may rebalance at any time (one more instance, a member's session ending).
   */
  private static HttpResponse<String> answered(String method, URI uri, String body) {
    java.util.concurrent.atomic.AtomicReference<HttpResponse<String>> answer =
        new java.util.concurrent.atomic.AtomicReference<>();
    await(method + " " + uri + " answered")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              answer.set(call(method, uri, body));
              int status = answer.get().statusCode();
              if (status == 503) {
                assertThat(answer.get().headers().firstValue("Retry-After")).isPresent();
              }
              return status != 503;
            });
    return answer.get();
  }

  private static HttpResponse<String> call(String method, URI uri, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .header("Authorization", "Bearer " + TOKEN)
            .timeout(Duration.ofSeconds(20))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
