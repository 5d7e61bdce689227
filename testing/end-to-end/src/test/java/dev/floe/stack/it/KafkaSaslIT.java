package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.auth.DevAuth;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.host.Ports;
import dev.floe.stack.host.RepoPaths;
import dev.floe.stack.host.ServiceProcess;
import dev.floe.stack.kafka.KafkaProcess;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.test.JobServer;
import dev.floe.stack.test.JobServer.Reply;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The services on a broker whose client listener requires SASL/PLAIN, configured through {@code
 * kafka.*} alone: the listener publishes, the capture captures, and the trigger-service's Kafka
 * Streams core requests a run, all through the authenticated listener; a wrong password keeps a
 * service not ready. Afterwards no configured secret (the SASL password, the catalog's JDBC
 * password, a job credential the trigger's launcher sends, the bearer token used) is in any service
 * log or any record of any topic.
 */
@Timeout(300)
class KafkaSaslIT {
  private static final String SERVICES_TOPIC_PREFIX = "floe.";

  @Test
  void theServicesRunOverSaslPlainAndNoSecretReachesALogOrAnEvent() throws Exception {
    Path home = FloeStack.workDir("kafka-sasl");
    Path repo = TestStacks.repo();
    String password = "sasl-" + UUID.randomUUID();
    String jdbcPassword = "jdbc-" + UUID.randomUUID();
    String jobToken = "job-" + UUID.randomUUID();
    KafkaProcess.SaslPlain sasl = new KafkaProcess.SaslPlain(Ports.freePort(), "floe", password);
    DevAuth auth = DevAuth.open(home.resolve("auth"));
    String token = auth.token("sasl-it", List.of("admin"));
    StackHttp admin = StackHttp.withToken(token);
    List<ServiceProcess> services = new ArrayList<>();
    List<ServiceProcess> intruders = new ArrayList<>();
    // The job: accepts each launch; the credential each presents is in its calls.
    JobServer job = JobServer.start(2).on("/run", call -> Reply.of(202));
    try (KafkaProcess kafka =
            KafkaProcess.start(home.resolve("kafka"), Ports.freePort(), Ports.freePort(), sasl);
        CatalogFixture catalog =
            CatalogFixture.start(CatalogKind.POSTGRES, home.resolve("catalog"))) {
      Map<String, String> shared = new LinkedHashMap<>(catalog.floeConfig());
      // PostgreSQL trusts local connections: the password is accepted and never needed, so it
      // only has to stay secret.
      shared.put("floe.catalog.jdbc.password", jdbcPassword);
      sasl.clientConfig().forEach((k, v) -> shared.put("kafka." + k, v));
      shared.putAll(auth.serviceConfig());
      shared.put("floe.topics.partitions", "3");
      Map<String, Map<String, String>> own =
          Map.of(
              "commit-listener", Map.of("floe.listener.watch.namespaces", "sasl"),
              "change-capture-service", Map.of(),
              "trigger-service",
                  Map.of(
                      "floe.trigger.state-dir",
                      home.resolve("trigger-state").toString(),
                      "floe.trigger.launch.secrets.job-token",
                      "Bearer " + jobToken));
      for (String name : List.of("commit-listener", "change-capture-service", "trigger-service")) {
        Map<String, String> config = new LinkedHashMap<>(shared);
        config.putAll(own.get(name));
        services.add(
            ServiceProcess.start(
                name, RepoPaths.app(repo, name), Ports.freePort(), config, home.resolve("logs")));
      }
      // The same service with a wrong password, started with the others (a start of its own
      // would add a fourth to the test's time): it never gets ready, and says why.
      Map<String, String> wrong = new LinkedHashMap<>(shared);
      wrong.putAll(own.get("commit-listener"));
      new KafkaProcess.SaslPlain(sasl.port(), "floe", "not-" + password)
          .clientConfig()
          .forEach((k, v) -> wrong.put("kafka." + k, v));
      wrong.put("floe.listener.instance-id", "intruder");
      ServiceProcess intruder =
          ServiceProcess.start(
              "commit-listener-wrong-password",
              RepoPaths.app(repo, "commit-listener"),
              Ports.freePort(),
              wrong,
              home.resolve("logs"));
      intruders.add(intruder);
      for (ServiceProcess service : services) {
        service.awaitReady(Duration.ofMinutes(2));
      }
      URI capture = services.get(1).url();
      URI trigger = services.get(2).url();

      TableWriter writer = new TableWriter(catalog.catalog());
      Table source =
          writer.createOrLoad(TableIdentifier.of("sasl", "orders"), Orders.SCHEMA, Orders.BY_DAY);
      assertThat(
              admin.post(
                  capture.resolve("/captures"),
                  "{\"id\": \"sasl-orders\", \"table\": \"sasl.orders\"}"))
          .isEqualTo(201);
      assertThat(
              admin.post(
                  trigger.resolve("/triggers"),
                  "{\"id\": \"sasl-job\", \"inputs\": [{\"capture\": \"sasl-orders\"}],"
                      + " \"launcher\": {\"type\": \"webhook\", \"url\": \""
                      + job.url("/run")
                      + "\","
                      + " \"headers\": {\"Authorization\": \"${secret:job-token}\"}}}"))
          .isEqualTo(201);

      try (EventTap snapshots = new EventTap(kafka.bootstrapServers(), Topics.SNAPSHOTS);
          EventTap changes = new EventTap(kafka.bootstrapServers(), Topics.CHANGES);
          EventTap runs = new EventTap(kafka.bootstrapServers(), Topics.RUNS)) {
        long snapshot =
            writer
                .append(
                    source,
                    List.of(
                        Orders.order(
                            source,
                            1,
                            "eu",
                            "NEW",
                            BigDecimal.ONE,
                            OffsetDateTime.of(2026, 11, 1, 0, 0, 0, 0, ZoneOffset.UTC))))
                .snapshotId();

        snapshots.await(
            SnapshotCommitted.class, s -> s.snapshotId() == snapshot, Duration.ofSeconds(60));
        changes.await(
            ChangeCaptured.class,
            c -> c.captureId().equals("sasl-orders") && c.range().toSnapshotId() == snapshot,
            Duration.ofSeconds(60));
        runs.await(
            RunRequested.class, r -> r.triggerId().equals("sasl-job"), Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(60)).until(() -> !job.calls().isEmpty());
        assertThat(job.calls().get(0).header("Authorization")).isEqualTo("Bearer " + jobToken);
      }

      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> readiness(intruder).contains("uthentication failed"));
      assertThat(intruder.readiness()).isEqualTo(503);
      intruder.close();

      List<String> secrets = List.of(password, jdbcPassword, jobToken, token);
      assertNoSecretInLogs(home.resolve("logs"), secrets);
      assertNoSecretInRecords(kafka.bootstrapServers(), secrets);
    } finally {
      services.forEach(ServiceProcess::close);
      intruders.forEach(ServiceProcess::close);
      job.close();
    }
  }

  private static void assertNoSecretInLogs(Path logs, List<String> secrets) throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(logs)) {
      files = list.toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(4);
    for (Path file : files) {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      assertThat(text).as(file.toString()).isNotEmpty();
      for (String secret : secrets) {
        assertThat(text).as(file + " holds a secret").doesNotContain(secret);
      }
    }
  }

  /** Every record of every Floe topic, keys, values and headers, read uncommitted. */
  private static void assertNoSecretInRecords(String bootstrap, List<String> secrets)
      throws Exception {
    List<String> topics;
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      topics =
          admin.listTopics().names().get().stream()
              .filter(t -> t.startsWith(SERVICES_TOPIC_PREFIX))
              .toList();
    }
    assertThat(topics).contains(Topics.SNAPSHOTS, Topics.CHANGES, Topics.RUNS, Topics.TRIGGERS);
    int records = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_uncommitted"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          topics.stream()
              .flatMap(t -> consumer.partitionsFor(t).stream())
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                  String text = text(r.key()) + text(r.value());
                  for (Header h : r.headers()) {
                    text += h.key() + text(h.value());
                  }
                  for (String secret : secrets) {
                    assertThat(text).as(r.topic() + "@" + r.offset()).doesNotContain(secret);
                  }
                }
                return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
              });
      for (TopicPartition p : partitions) {
        records += (int) (long) end.get(p);
      }
    }
    assertThat(records).as("records read").isGreaterThan(5);
  }

  private static String text(byte[] bytes) {
    return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
  }

  private static String readiness(ServiceProcess service) {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(service.url().resolve("/q/health/ready"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
