package dev.floe.trigger.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.auth.DevAuth;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.host.Ports;
import dev.floe.stack.host.ServiceProcess;
import dev.floe.stack.kafka.EmbeddedKafka;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.test.JobServer;
import dev.floe.stack.test.JobServer.Reply;
import dev.floe.stack.test.TestTier;
import java.io.IOException;
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
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two packaged trigger-service instances share five triggers while captured changes arrive at a
 * steady pace, on a thread of their own, and a job endpoint fails one call in five. Instance a is
 * killed with SIGKILL at random points (two in the gate, three in the soak) and restarted each
 * time; later instance b stops for good and a carries on. Changes keep arriving while each is down.
 * At the end every change was processed by exactly one successful run (those sent during an outage
 * too), no run id reached the job as two runs, and both instances decided runs, as the broker's
 * view of the decision cores' group shows.
 */
class TriggerChaosIT {
  static final Path APP =
      Path.of(System.getProperty("floe.trigger.app", "target/quarkus-app")).toAbsolutePath();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** The services run with authentication on; this test is an admin and its job an operator. */
  private static final String TOKEN = DevAuth.forTests().token("chaos-it", List.of("admin"));

  /** The Kafka Streams application id the instances share, and so the group they split. */
  private static final String GROUP = "chaos-trigger";

  /**
   * The least the stream sends; it goes on until b has been down for {@link #BETWEEN} changes. In
   * the gate the outages, not this number, set the stream's length (about 140 changes here).
   */
  private static final int CHANGES = TestTier.pick(100, 500);

  private static final Duration PACE =
      TestTier.pick(Duration.ofMillis(250), Duration.ofMillis(100));
  private static final int TRIGGERS = 5;

  /** Kills of instance a: the soak's third adds a restart, not a kind of failure. */
  private static final int KILLS = TestTier.pick(2, 3);

  /**
   * Changes sent between a restart and the next kill or stop, at least (a kill adds up to as many
   * again at random): a kill lands on an instance that has rejoined its group and is deciding
   * again, not on one still starting.
   */
  private static final int BETWEEN = 8;

  /** An instance's outage: from its process's end to its successor's readiness; open if none. */
  record Outage(String instance, Instant from, Instant to) {
    /**
     * True when {@code change} was sent after the outage began and reached the broker before its
     * end.
     */
    boolean saw(ChangeStream.Sent change) {
      return !change.issued().isBefore(from) && (to == null || change.acked().isBefore(to));
    }
  }

  @Test
  @Timeout(420)
  void noChangeIsLostOrRunTwiceThroughFailuresKillsAndAStoppedInstance() throws Exception {
    Path home = FloeStack.workDir("trigger-chaos");
    Instant began = Instant.now();
    Random random = new Random(42);
    // What the job saw: per run id, the change ids of each call it answered 200.
    Map<String, List<List<String>>> succeeded = new ConcurrentHashMap<>();
    List<URI> instances = new CopyOnWriteArrayList<>();
    ExecutorService callbacks = Executors.newFixedThreadPool(2);
    // Every instance process this test starts, restarts included: all closed in the end.
    List<ServiceProcess> processes = new CopyOnWriteArrayList<>();
    try (JobServer job =
            JobServer.start(2)
                .on(
                    "/job",
                    call -> {
                      boolean fail;
                      synchronized (random) {
                        fail = random.nextInt(5) == 0;
                      }
                      return Reply.of(fail ? 500 : 200);
                    },
                    (call, reply) -> {
                      if (reply.status() == 200) {
                        String runId = call.runId();
                        List<String> ids = new ArrayList<>();
                        call.json()
                            .get("inputs")
                            .forEach(i -> i.get("changeIds").forEach(c -> ids.add(c.asText())));
                        succeeded
                            .computeIfAbsent(runId, k -> new CopyOnWriteArrayList<>())
                            .add(ids);
                        callbacks.submit(() -> report(instances, runId));
                      }
                    });
        EmbeddedKafka kafka = EmbeddedKafka.start();
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
        EventTap runs = new EventTap(kafka.bootstrapServers(), Topics.RUNS);
        Admin admin =
            Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        ChangeStream stream = new ChangeStream(producer, TRIGGERS);
        DecisionOwners owners = new DecisionOwners(admin, GROUP, Topics.RUNS);
        StatusProbe probe =
            new StatusProbe(
                instances,
                java.util.stream.IntStream.range(0, TRIGGERS).mapToObj(t -> "job-" + t).toList(),
                TOKEN)) {
      try {
        Map<String, String> shared = new LinkedHashMap<>(catalog.floeConfig());
        shared.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        shared.put("floe.topics.partitions", "4");
        shared.put("floe.trigger.group-id", GROUP);
        shared.put("floe.trigger.launch.backoff", "100ms");
        ServiceProcess a = start("a", shared, home, processes);
        ServiceProcess b = start("b", shared, home, processes);
        Duration coldStart = a.awaitColdStart();
        b.awaitColdStart();
        Instant ready = Instant.now();
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
                  + " \"webhook\", \"url\": \""
                  + job.url("/job")
                  + "\"}}";
          assertThat(post(a.url().resolve("/triggers"), body)).isEqualTo(201);
        }

        // Each instance answers each trigger's status, its own or asked of the other: never null.
        for (int t = 0; t < TRIGGERS; t++) {
          for (URI instance : instances) {
            awaitStatus(probe, instance, "job-" + t);
          }
        }
        probe.start(Duration.ofMillis(250));
        owners.start(Duration.ofMillis(250));
        stream.start(PACE);
        // Kill a at random points of the first three quarters of the stream (when a restart
        // took longer, a few changes after it), restart it at once, and stop b for good at four
        // fifths. The stream goes on meanwhile, on its own thread.
        List<Outage> outages = new ArrayList<>();
        Set<Integer> planned = new TreeSet<>();
        while (planned.size() < KILLS) {
          planned.add(20 + random.nextInt(3 * CHANGES / 4 - 20));
        }
        int restartedAt = 0;
        for (int killAt : planned) {
          awaitSent(stream, Math.max(killAt, restartedAt + BETWEEN + random.nextInt(BETWEEN)));
          instances.remove(a.url());
          a.kill();
          Instant down = Instant.now();
          a = start("a", shared, home, processes);
          a.awaitRestart(coldStart);
          // Back on its address, it answers each trigger's status again, its own or asked.
          for (int t = 0; t < TRIGGERS; t++) {
            awaitStatus(probe, a.url(), "job-" + t);
          }
          outages.add(new Outage("a", down, Instant.now()));
          instances.add(a.url());
          restartedAt = stream.issued();
        }
        awaitSent(stream, Math.max(4 * CHANGES / 5, restartedAt + BETWEEN));
        instances.remove(b.url());
        b.close();
        outages.add(new Outage("b", Instant.now(), null));
        awaitSent(stream, Math.max(CHANGES, stream.issued() + BETWEEN));
        List<ChangeStream.Sent> sent = stream.stop();
        Instant streamed = Instant.now();
        Set<String> published =
            sent.stream().map(ChangeStream.Sent::eventId).collect(Collectors.toSet());

        await()
            .atMost(Duration.ofSeconds(180))
            .pollInterval(Duration.ofSeconds(1))
            .until(() -> covered(succeeded).containsAll(published));
        Instant drained = Instant.now();

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
        // Changes kept arriving through every outage, and those too were each run once.
        for (Outage outage : outages) {
          List<String> during =
              sent.stream().filter(outage::saw).map(ChangeStream.Sent::eventId).toList();
          assertThat(during)
              .as("changes sent while %s was down (%s)", outage.instance(), outage)
              .isNotEmpty();
          assertThat(runOf)
              .as("runs of the changes sent during %s", outage)
              .containsKeys(during.toArray(String[]::new));
        }
        // Every run the job ran was requested on floe.runs, read-committed.
        Set<String> requested = new HashSet<>();
        List<EventTap.Received> records = new ArrayList<>();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> {
                  records.clear();
                  records.addAll(runs.poll(Duration.ofMillis(500)));
                  runs.payloads(RunRequested.class, r -> true)
                      .forEach(r -> requested.add(r.runId()));
                  return requested.containsAll(succeeded.keySet());
                });
        // Both instances decided runs, as the broker saw the decision cores' group: nothing on
        // floe.runs names the deciding instance.
        // Through the kills and the stop, every status call was answered with a status or a 503
        // with Retry-After; and both instances answered statuses.
        probe.close();
        assertThat(probe.wrong())
            .as("answers neither a status nor a 503 with Retry-After")
            .isEmpty();
        assertThat(probe.statuses()).containsKey(b.url()).hasSizeGreaterThanOrEqualTo(2);
        System.out.printf(
            "status probe: statuses answered by instance %s, %d answers 503 with Retry-After%n",
            probe.statuses(), probe.unavailable());
        // At rest, with b back: both instances give the same status of every trigger, whichever
        // holds it.
        ServiceProcess back = start("b", shared, home, processes);
        back.awaitRestart(coldStart);
        instances.add(back.url());
        for (int t = 0; t < TRIGGERS; t++) {
          String trigger = "job-" + t;
          URI first = a.url();
          await("the same status of " + trigger + " from a and b")
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofMillis(250))
              .ignoreExceptions()
              .untilAsserted(
                  () -> {
                    JsonNode fromA = StatusProbe.status(probe.get(first, trigger));
                    JsonNode fromB = StatusProbe.status(probe.get(back.url(), trigger));
                    assertThat(fromA.isObject()).as("a status of %s from a", trigger).isTrue();
                    assertThat((Object) fromB).isEqualTo(fromA);
                  });
        }
        Map<String, Integer> decidedBy = deciders(records, owners);
        assertThat(decidedBy)
            .as(
                "run requests by deciding instance; %d group descriptions, ownership %s",
                owners.samples(), owners.history())
            .containsKeys("a", "b");
        System.out.printf(
            "chaos: %d changes, %d runs requested (decided by %s), %d succeeded, %d job calls"
                + " (%d answered 500); cold start %s, outages %s; set-up %s, stream %s, drain %s%n",
            published.size(),
            requested.size(),
            decidedBy,
            succeeded.size(),
            job.calls().size(),
            job.calls().size() - succeeded.values().stream().mapToInt(List::size).sum(),
            coldStart,
            outages.stream()
                .map(
                    o ->
                        o.instance()
                            + ": "
                            + sent.stream().filter(o::saw).count()
                            + " changes"
                            + (o.to() == null ? "" : " in " + Duration.between(o.from(), o.to())))
                .toList(),
            Duration.between(began, ready),
            Duration.between(ready, streamed),
            Duration.between(streamed, drained));
      } finally {
        // Side by side: each waits up to 20 s for its process to end; killed ones end at once.
        processes.parallelStream().forEach(ServiceProcess::close);
      }
    } finally {
      callbacks.shutdownNow();
    }
  }

  private static void awaitSent(ChangeStream stream, int count) {
    await()
        .atMost(PACE.multipliedBy(Math.max(0, count - stream.issued())).plusSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> stream.issued() >= count);
  }

  /**
   * Run requests per instance that decided them, credited to the group member that held the
   * request's partition of floe.runs when it was made; {@code (unknown)} around a rebalance.
   */
  private static Map<String, Integer> deciders(
      List<EventTap.Received> records, DecisionOwners owners) {
    Map<String, Integer> decidedBy = new TreeMap<>();
    for (EventTap.Received record : records) {
      if (record.event().payload() instanceof RunRequested) {
        String decider =
            owners
                .ownerAt(record.partition(), record.event().time())
                .map(TriggerChaosIT::instanceOf)
                .orElse("(unknown)");
        decidedBy.merge(decider, 1, Integer::sum);
      }
    }
    return decidedBy;
  }

  /** The instance a group member belongs to: its group instance id is floe-trigger-<id>[-n]. */
  private static String instanceOf(String member) {
    for (String instance : List.of("a", "b")) {
      if (member.equals("floe-trigger-" + instance)
          || member.startsWith("floe-trigger-" + instance + "-")) {
        return instance;
      }
    }
    return member;
  }

  private static Set<String> covered(Map<String, List<List<String>>> succeeded) {
    Set<String> all = new HashSet<>();
    succeeded.values().forEach(d -> all.addAll(d.get(0)));
    return all;
  }

  /** Waits until {@code instance} answers a status of {@code trigger}, 503s meanwhile. */
  private static void awaitStatus(StatusProbe probe, URI instance, String trigger) {
    await("a status of " + trigger + " from " + instance)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              HttpResponse<String> answer;
              try {
                answer = probe.get(instance, trigger);
              } catch (IOException e) {
                return false; // still starting
              }
              assertThat(answer.statusCode()).as(answer.body()).isIn(200, 503);
              return answer.statusCode() == 200 && StatusProbe.status(answer).isObject();
            });
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

  /** Starts instance {@code instance}, recorded in {@code processes} before anything can fail. */
  /** Each instance's HTTP port, kept across its restarts as a deployment keeps its address. */
  private static final Map<String, Integer> PORTS = new ConcurrentHashMap<>();

  private static ServiceProcess start(
      String instance, Map<String, String> shared, Path home, List<ServiceProcess> processes) {
    Map<String, String> config = new LinkedHashMap<>(shared);
    config.putAll(DevAuth.forTests().serviceConfig());
    config.put("floe.trigger.instance-id", instance);
    config.put("floe.trigger.state-dir", home.resolve("state-" + instance).toString());
    ServiceProcess process =
        ServiceProcess.start(
            "trigger-" + instance,
            APP,
            PORTS.computeIfAbsent(instance, i -> Ports.freePort()),
            config,
            home.resolve("logs"));
    processes.add(process);
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
}
