package dev.floe.listener.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.host.ServiceProcess;
import dev.floe.stack.kafka.EmbeddedKafka;
import dev.floe.stack.test.EventTap;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.test.TestTier;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two listener instances split 50 tables between them; when one stops, the other publishes the
 * commits of all 50.
 */
class ListenerSharingIT {
  private static final int TABLES = 50;
  private static final OffsetDateTime DAY =
      OffsetDateTime.of(2026, 11, 23, 0, 0, 0, 0, ZoneOffset.UTC);

  /** Recovery happens on Kafka's side: one catalog in the gate, all three in the soak. */
  static Stream<CatalogKind> catalogs() {
    return TestTier.recoveryCatalogs(CatalogKind.SQLITE);
  }

  @ParameterizedTest
  @MethodSource("catalogs")
  @Timeout(300)
  void theSurvivorTakesOverEveryTableOfTheStoppedInstance(CatalogKind kind) {
    Path home = FloeStack.workDir("sharing-" + kind);
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        CatalogFixture catalog = CatalogFixture.start(kind, home);
        EventTap tap = new EventTap(kafka.bootstrapServers(), Topics.SNAPSHOTS);
        ListenerProcesses.Instances listeners = new ListenerProcesses.Instances()) {
      TableWriter writer = new TableWriter(catalog.catalog());
      List<Table> tables = new ArrayList<>();
      for (int i = 0; i < TABLES; i++) {
        tables.add(
            writer.createOrLoad(
                TableIdentifier.of("shared", "t" + i), Orders.SCHEMA, Orders.BY_DAY));
      }
      ServiceProcess a =
          listeners.start(
              ListenerProcesses.config(kafka, catalog, "a", "shared"), home.resolve("logs-a"));
      ServiceProcess b =
          listeners.start(
              ListenerProcesses.config(kafka, catalog, "b", "shared"), home.resolve("logs-b"));
      Duration coldStart = max(a.awaitColdStart(), b.awaitColdStart());

      Set<Long> first = commitOnce(writer, tables, 0);
      awaitPublished(tap, first, Duration.ofSeconds(90));
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                int byA = ListenerProcesses.tablesPolledBy(a);
                int byB = ListenerProcesses.tablesPolledBy(b);
                assertThat(byA).as("tables polled by a").isPositive();
                assertThat(byB).as("tables polled by b").isPositive();
                assertThat(byA + byB).isEqualTo(TABLES);
              });

      a.close();
      Set<Long> second = commitOnce(writer, tables, 1);
      // b takes a's tables over as a restarted instance would: within the restart budget.
      awaitPublished(tap, second, ServiceProcess.restartBudget(coldStart));

      assertThat(ListenerProcesses.tablesPolledBy(b)).isEqualTo(TABLES);
      tap.drain();
      List<SnapshotCommitted> all = tap.payloads(SnapshotCommitted.class, s -> true);
      assertThat(all).hasSize(2 * TABLES);
      assertThat(all.stream().map(SnapshotCommitted::snapshotId)).doesNotHaveDuplicates();
    }
  }

  private static Set<Long> commitOnce(TableWriter writer, List<Table> tables, int round) {
    Set<Long> ids = new HashSet<>();
    for (int i = 0; i < tables.size(); i++) {
      Table table = tables.get(i);
      ids.add(
          writer
              .append(
                  table,
                  List.of(
                      Orders.order(
                          table, round * 1000L + i, "eu-west", "NEW", BigDecimal.ONE, DAY)))
              .snapshotId());
    }
    return ids;
  }

  private static void awaitPublished(EventTap tap, Set<Long> snapshots, Duration within) {
    await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              tap.poll(Duration.ofMillis(100));
              return ListenerProcesses.published(tap).containsAll(snapshots);
            });
  }

  private static Duration max(Duration x, Duration y) {
    return x.compareTo(y) >= 0 ? x : y;
  }
}
