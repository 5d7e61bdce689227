package dev.floe.capture.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.capture.flow.SnapshotFeed;
import dev.floe.capture.pin.SourcePins;
import dev.floe.capture.rows.RowStreamReplay;
import dev.floe.capture.rows.RowTopics;
import dev.floe.capture.rows.SourceRows;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import dev.floe.icdc.IcdcStates;
import dev.floe.stack.auth.DevAuth;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.host.Ports;
import dev.floe.stack.host.ServiceProcess;
import dev.floe.stack.kafka.EmbeddedKafka;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.test.TestTier;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import io.restassured.http.ContentType;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.expressions.Expressions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The packaged capture service is killed with SIGKILL at random points while it captures a backlog
 * of snapshots, in groups of one ICDC commit each, and restarted. Every snapshot is still captured
 * exactly once: one {@code ChangeCaptured} for a read-committed consumer, and one ICDC commit per
 * state, never two. The capture has a row stream with an initial snapshot: the rows from before it
 * and each snapshot's row changes are there once, none missing.
 */
class CaptureCrashIT {
  static final Path APP =
      Path.of(System.getProperty("floe.capture.app", "target/quarkus-app")).toAbsolutePath();
  private static final int COMMITS = TestTier.pick(20, 30);
  private static final int KILLS = TestTier.pick(2, 3);

  private static final OffsetDateTime DAY =
      OffsetDateTime.of(2026, 11, 20, 0, 0, 0, 0, ZoneOffset.UTC);

  /** Recovery happens on Kafka's side: one catalog in the gate, all three in the soak. */
  static Stream<CatalogKind> catalogs() {
    return TestTier.recoveryCatalogs(CatalogKind.SQLITE);
  }

  @ParameterizedTest
  @MethodSource("catalogs")
  @Timeout(300)
  void killedAndRestartedCaptureCapturesEverySnapshotExactlyOnce(CatalogKind kind)
      throws Exception {
    Path home = FloeStack.workDir("capture-crash-" + kind);
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        CatalogFixture catalog = CatalogFixture.start(kind, home);
        EventTap changes = new EventTap(kafka.bootstrapServers(), Topics.CHANGES);
        SnapshotFeed feed = new SnapshotFeed(kafka.bootstrapServers(), catalog.name());
        Instances instances = new Instances()) {
      TableWriter writer = new TableWriter(catalog.catalog());
      Table source =
          writer.createOrLoad(TableIdentifier.of("crash", "orders"), Orders.SCHEMA, Orders.BY_DAY);
      TableRef ref = new TableRef(catalog.name(), List.of("crash"), "orders");
      // Rows from before the capture, never fed: only the row stream's initial snapshot tells them.
      Snapshot existing =
          writer.append(source, List.of(order(source, -1, 0), order(source, -2, 1)));

      Map<String, String> config = new LinkedHashMap<>(catalog.floeConfig());
      config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
      config.put("floe.capture.instance-id", "crash");
      config.put("floe.capture.max-backoff", "2s");
      config.put("floe.topics.partitions", "4");
      // Small groups, a transaction each: the backlog takes several, and the kills fall between
      // and inside them rather than after the last.
      config.put("floe.capture.group-max-snapshots", "3");
      config.put("floe.capture.batch-budget", "50ms");
      ServiceProcess capture = instances.start(config, home);
      Duration coldStart = capture.awaitColdStart();
      given()
          .baseUri(capture.url().toString())
          .header(
              "Authorization", "Bearer " + DevAuth.forTests().token("crash-it", List.of("admin")))
          .contentType(ContentType.JSON)
          .body(
              Map.of(
                  "id",
                  "crash-orders",
                  "table",
                  "crash.orders",
                  "trackedFields",
                  List.of("order_ts"),
                  "rowStream",
                  true,
                  "rowStreamSnapshot",
                  true))
          .post("/captures")
          .then()
          .statusCode(201);

      // Every fifth commit replaces a day: an overwrite commits two ICDC states at once.
      Map<Long, ChangeKind> expected = new LinkedHashMap<>();
      List<Snapshot> snapshots = new ArrayList<>();
      for (int i = 0; i < COMMITS; i++) {
        Snapshot s =
            i % 5 == 4
                ? writer.overwrite(
                    source,
                    Expressions.equal(
                        Expressions.day("order_ts"),
                        (int) DAY.plusDays(i % 3).toLocalDate().toEpochDay()),
                    List.of(order(source, i, i % 3)))
                : writer.append(source, List.of(order(source, i, i % 3)));
        expected.put(s.snapshotId(), ChangeKind.valueOf(s.operation().toUpperCase()));
        snapshots.add(s);
      }
      // A backlog: the service is busy capturing whenever it is killed.
      snapshots.forEach(s -> feed.publish(ref, source, s));

      Random random = new Random(kind.ordinal());
      int killedWhileCapturing = 0;
      for (int kill = 0; kill < KILLS; kill++) {
        int target = (kill + 1) * COMMITS / (KILLS + 2) + random.nextInt(4);
        await()
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(50))
            .until(
                () -> {
                  changes.poll(Duration.ofMillis(50));
                  return captured(changes).size() >= target;
                });
        capture.kill();
        if (captured(changes).size() < COMMITS) {
          killedWhileCapturing++;
        }
        capture = instances.start(config, home);
        capture.awaitRestart(coldStart);
      }
      assertThat(killedWhileCapturing)
          .as("kills while snapshots were being captured")
          .isEqualTo(KILLS);

      try {
        await()
            .atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(250))
            .until(
                () -> {
                  changes.poll(Duration.ofMillis(100));
                  return captured(changes).size() >= COMMITS;
                });
      } catch (org.awaitility.core.ConditionTimeoutException stuck) {
        capture.dumpThreads();
        throw new AssertionError(
            "captured "
                + captured(changes).size()
                + " of "
                + COMMITS
                + "; threads in "
                + capture.log(),
            stuck);
      }
      changes.drain();
      List<ChangeCaptured> events = captured(changes);
      assertThat(events).as("one event per snapshot").hasSize(COMMITS);
      assertThat(events.stream().map(c -> c.range().toSnapshotId()))
          .containsExactlyElementsOf(expected.keySet());
      assertThat(
              events.stream()
                  .collect(Collectors.toMap(c -> c.range().toSnapshotId(), ChangeCaptured::kind)))
          .isEqualTo(expected);

      Table icdc =
          catalog
              .catalog()
              .loadTable(TableIdentifier.of("floe_icdc", "crash__orders__crash_orders"));
      Map<Long, Integer> commitsPerSnapshot = new HashMap<>();
      int largestGroup = 0;
      for (Snapshot s : icdc.snapshots()) {
        String from = s.summary().get(IcdcStates.SUMMARY_PREFIX + "source-snapshot-id");
        if (from != null) {
          commitsPerSnapshot.merge(Long.parseLong(from), 1, Integer::sum);
          largestGroup =
              Math.max(
                  largestGroup,
                  Integer.parseInt(
                      s.summary()
                          .getOrDefault(IcdcStates.SUMMARY_PREFIX + "capture-group-size", "1")));
        }
      }
      // The backlog is captured in groups, one ICDC commit each: the kills hit group captures.
      assertThat(largestGroup)
          .as("the most snapshots captured in one ICDC commit")
          .isGreaterThan(1);
      Map<Long, Integer> states = new HashMap<>();
      expected.forEach((id, kind1) -> states.put(id, kind1 == ChangeKind.OVERWRITE ? 2 : 1));
      assertThat(commitsPerSnapshot)
          .as("ICDC commits per source snapshot: one per state, never two")
          .isEqualTo(states);
      for (Map.Entry<Long, Integer> e : states.entrySet()) {
        assertThat(icdc.refs()).containsKey(IcdcStates.changeTag(e.getKey()));
        if (e.getValue() == 2) {
          assertThat(icdc.refs()).containsKey(IcdcStates.removedTag(e.getKey()));
        }
      }
      // Pinned, every one: a group's changes ask for overlapping snapshots, pinned in one commit.
      source.refresh();
      assertThat(SourcePins.pinned(source, "crash-orders"))
          .as("snapshots the capture pins")
          .containsAll(expected.keySet());
      List<Long> transactions = new ArrayList<>();
      transactions.add(existing.snapshotId());
      transactions.addAll(expected.keySet());
      assertRowStreamExactlyOnce(kafka, ref, source, transactions);
    }
  }

  /**
   * The row stream, read committed, holds each snapshot's transaction once, with all its events,
   * and replays into the source's rows: no row missing, none twice, whatever the kills interrupted.
   */
  private static void assertRowStreamExactlyOnce(
      EmbeddedKafka kafka, TableRef ref, Table source, Collection<Long> snapshots) {
    try (RowTopics rows = new RowTopics(kafka.bootstrapServers(), ref)) {
      List<RowTopics.Transaction> transactions =
          rows.awaitTransactions(snapshots.size(), Duration.ofSeconds(60));
      assertThat(transactions.stream().map(RowTopics.Transaction::snapshotId))
          .as("one row-stream transaction per snapshot, in order, none twice")
          .containsExactlyElementsOf(snapshots);
      RowStreamReplay replay = new RowStreamReplay(source.schema());
      for (RowTopics.Transaction transaction : transactions) {
        assertThat(transaction.rows()).hasSize((int) transaction.eventCount());
        assertThat(transaction.markers()).as("BEGIN and END, once each").hasSize(2);
        RowTopics.replay(transaction, replay);
      }
      source.refresh();
      assertThat(SourceRows.multiset(replay.rows()))
          .as("the replayed rows")
          .isEqualTo(
              SourceRows.multiset(SourceRows.at(source, source.currentSnapshot().snapshotId())));
    }
  }

  private static List<ChangeCaptured> captured(EventTap changes) {
    return changes.payloads(ChangeCaptured.class, c -> c.captureId().equals("crash-orders"));
  }

  private static org.apache.iceberg.data.Record order(Table table, int i, int day) {
    return Orders.order(
        table, i, "eu-west", "NEW", BigDecimal.valueOf(i), DAY.plusDays(day).plusMinutes(i));
  }

  /**
   * Every instance of the service a test starts, closed together when the test ends, whatever
   * failed in between: a restart that never got ready, an await that timed out. Not thread-safe.
   */
  private static final class Instances implements AutoCloseable {
    private final List<ServiceProcess> started = new ArrayList<>();

    ServiceProcess start(Map<String, String> config, Path home) {
      Map<String, String> all = new LinkedHashMap<>(config);
      all.putAll(DevAuth.forTests().serviceConfig());
      ServiceProcess process =
          ServiceProcess.start(
              "change-capture-service", APP, freePort(), all, home.resolve("logs"));
      started.add(process);
      return process;
    }

    @Override
    public void close() {
      started.forEach(ServiceProcess::close);
    }
  }

  private static int freePort() {
    return Ports.freePort();
  }
}
