package dev.floe.trigger.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.ChangeStats;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.SnapshotRange;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.Ports;
import dev.floe.stack.ServiceProcess;
import dev.floe.stack.auth.DevAuth;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.kafka.EmbeddedKafka;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeStack;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two packaged trigger-service instances share five triggers while 500 captured changes arrive and
 * a job endpoint fails one call in five. One instance is killed with SIGKILL at three random points
 * and restarted each time; later the other stops for good and the survivor carries on. At the end
 * every change was processed by exactly one successful run, and no run id reached the job as two
 * runs.
 */
class TriggerChaosIT {
  static final Path APP =
      Path.of(System.getProperty("floe.trigger.app", "target/quarkus-app")).toAbsolutePath();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** The services run with authentication on; this test is an admin and its job an operator. */
  private static final String TOKEN = DevAuth.forTests().token("chaos-it", List.of("admin"));

  private static final int CHANGES = 500;
  private static final int TRIGGERS = 5;
  private static final int KILLS = 3;

  @Test
  @Timeout(420)
  void noChangeIsLostOrRunTwiceThroughFailuresKillsAndAStoppedInstance() throws Exception {
    Path home = FloeStack.workDir("trigger-chaos");
    Random random = new Random(42);
    // What the job saw: per run id, the change ids of each call it answered 200.
    Map<String, List<List<String>>> succeeded = new ConcurrentHashMap<>();
    List<String> calls = new CopyOnWriteArrayList<>();
    List<URI> instances = new CopyOnWriteArrayList<>();
    ExecutorService callbacks = Executors.newFixedThreadPool(2);
    HttpServer job = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    job.createContext(
        "/job",
        exchange -> {
          JsonNode run = JSON.readTree(exchange.getRequestBody().readAllBytes());
          String runId = run.get("runId").asText();
          calls.add(runId);
          boolean fail;
          synchronized (random) {
            fail = random.nextInt(5) == 0;
          }
          exchange.sendResponseHeaders(fail ? 500 : 200, -1);
          exchange.close();
          if (!fail) {
            List<String> ids = new ArrayList<>();
            run.get("inputs").forEach(i -> i.get("changeIds").forEach(c -> ids.add(c.asText())));
            succeeded.computeIfAbsent(runId, k -> new CopyOnWriteArrayList<>()).add(ids);
            callbacks.submit(() -> report(instances, runId));
          }
        });
    job.start();

    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        CatalogFixture catalog = CatalogFixture.start(CatalogKind.SQLITE, home);
        KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(
                Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    kafka.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG,
                    "all"),
                new StringSerializer(),
                new ByteArraySerializer());
        EventTap runs = new EventTap(kafka.bootstrapServers(), Topics.RUNS)) {
      Map<String, String> shared = new LinkedHashMap<>(catalog.floeConfig());
      shared.put("kafka.bootstrap.servers", kafka.bootstrapServers());
      shared.put("floe.topics.partitions", "4");
      shared.put("floe.trigger.launch.backoff", "100ms");
      ServiceProcess a = start("a", shared, home);
      ServiceProcess b = start("b", shared, home);
      instances.add(a.url());
      instances.add(b.url());

      for (int t = 0; t < TRIGGERS; t++) {
        String body =
            "{\"id\": \"job-"
                + t
                + "\", \"inputs\": [{\"capture\": \"cap-"
                + t
                + "\"}], \"concurrency\": {\"policy\": \"parallel\", \"maxParallel\": 3},"
                + " \"retry\": {\"maxAttempts\": 5,"
                + " \"backoff\": \"PT0.5S\"}, \"runTimeout\": \"PT20S\", \"launcher\": {\"type\":"
                + " \"webhook\", \"url\": \"http://127.0.0.1:"
                + job.getAddress().getPort()
                + "/job\"}}";
        assertThat(post(a.url().resolve("/triggers"), body)).isEqualTo(201);
      }

      // SIGKILL instance a at three random points in the first three quarters of the stream; it
      // restarts at once (restarting takes a few seconds, during which the stream goes on).
      Set<Integer> kills = new HashSet<>();
      while (kills.size() < KILLS) {
        kills.add(20 + random.nextInt(3 * CHANGES / 4 - 20));
      }
      Set<String> published = new HashSet<>();
      for (int i = 1; i <= CHANGES; i++) {
        int t = i % TRIGGERS;
        Event event = Event.of(change("cap-" + t, i), Event.sourceOf("test"), Instant.now());
        producer.send(new ProducerRecord<>(Topics.CHANGES, "cap-" + t, EventCodec.encode(event)));
        published.add(event.id());
        if (i % 5 == 0) {
          producer.flush();
          // The stream's pace, not a synchronisation: 500 changes over about 10 s.
          LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        if (kills.contains(i)) {
          instances.remove(a.url());
          a.kill();
          a = start("a", shared, home);
          instances.add(a.url());
        }
        if (i == 4 * CHANGES / 5) {
          instances.remove(b.url());
          b.close();
        }
      }
      producer.flush();

      await()
          .atMost(Duration.ofSeconds(240))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> covered(succeeded).containsAll(published));

      // Every change in exactly one run; a run id delivered again carried the same changes.
      Map<String, String> runOf = new LinkedHashMap<>();
      for (Map.Entry<String, List<List<String>>> run : succeeded.entrySet()) {
        assertThat(run.getValue())
            .as("deliveries of " + run.getKey())
            .allMatch(d -> d.equals(run.getValue().get(0)));
        for (String change : run.getValue().get(0)) {
          String before = runOf.put(change, run.getKey());
          assertThat(before).as(change + " in two runs").isNull();
        }
      }
      assertThat(runOf.keySet()).containsExactlyInAnyOrderElementsOf(published);
      // Every run the job ran was requested on floe.runs, read-committed.
      Set<String> requested = new HashSet<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                runs.poll(Duration.ofMillis(500));
                runs.payloads(RunRequested.class, r -> true).forEach(r -> requested.add(r.runId()));
                return requested.containsAll(succeeded.keySet());
              });
      // Both instances decided runs: the triggers were split between them.
      assertThat(java.nio.file.Files.readString(a.log())).contains("requests run");
      assertThat(java.nio.file.Files.readString(b.log())).contains("requests run");
      System.out.printf(
          "chaos: %d changes, %d runs requested, %d succeeded, %d job calls (%d answered 500)%n",
          published.size(),
          requested.size(),
          succeeded.size(),
          calls.size(),
          calls.size() - succeeded.values().stream().mapToInt(List::size).sum());
      a.close();
    } finally {
      job.stop(0);
      callbacks.shutdownNow();
    }
  }

  private static Set<String> covered(Map<String, List<List<String>>> succeeded) {
    Set<String> all = new HashSet<>();
    succeeded.values().forEach(d -> all.addAll(d.get(0)));
    return all;
  }

  /** Reports success to any instance that answers; retried until one does. */
  private static void report(List<URI> instances, String runId) {
    for (int attempt = 0; attempt < 50; attempt++) {
      for (URI instance : List.copyOf(instances)) {
        if (post(instance.resolve("/runs/" + runId + "/status"), "{\"status\": \"succeeded\"}")
            == 202) {
          return;
        }
      }
      LockSupport.parkNanos(Duration.ofMillis(200).toNanos()); // the job's own retry pace
    }
  }

  private static ChangeCaptured change(String capture, long snapshot) {
    return new ChangeCaptured(
        capture,
        new TableRef("lake", List.of("chaos"), capture),
        "uuid",
        new SnapshotRange(snapshot - 1, snapshot, List.of(snapshot)),
        ChangeKind.APPEND,
        new ChangeStats(1, 0, 0, 0, 1, 0, 0, 0, 100, 0),
        new IcdcRef(
            new TableRef("lake", List.of("floe_icdc"), capture),
            "change-" + snapshot,
            snapshot,
            null),
        null,
        List.of(),
        List.of(),
        false,
        Instant.now(),
        Instant.now(),
        null);
  }

  private static ServiceProcess start(String instance, Map<String, String> shared, Path home) {
    Map<String, String> config = new LinkedHashMap<>(shared);
    config.putAll(DevAuth.forTests().serviceConfig());
    config.put("floe.trigger.instance-id", instance);
    config.put("floe.trigger.state-dir", home.resolve("state-" + instance).toString());
    ServiceProcess process =
        ServiceProcess.start("trigger-" + instance, APP, freePort(), config, home.resolve("logs"));
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> process.readiness() == 200);
    return process;
  }

  private static int post(URI uri, String body) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(uri)
                  .header("Content-Type", "application/json")
                  .header("Authorization", "Bearer " + TOKEN)
                  .timeout(Duration.ofSeconds(10))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static int freePort() {
    return Ports.freePort();
  }
}
