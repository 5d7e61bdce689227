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
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.util.SnapshotUtil;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The listener is killed with SIGKILL at random points of a commit stream and restarted; every
 * commit is still published exactly once, in lineage order.
 */
class ListenerCrashIT {
  private static final int TABLES = 3;
  private static final int KILLS = TestTier.pick(2, 3);

  /** Commits between a restart and the next kill (or the stream's end), plus up to 5 at random. */
  private static final int BETWEEN_KILLS = 10;

  private static final Duration PACE = Duration.ofMillis(300);

  /** Recovery happens on Kafka's side: one catalog in the gate, all three in the soak. */
  static Stream<CatalogKind> catalogs() {
    return TestTier.recoveryCatalogs(CatalogKind.POSTGRES);
  }

  @ParameterizedTest
  @MethodSource("catalogs")
  @Timeout(300)
  void killedAndRestartedListenerMissesNothingAndDuplicatesNothing(CatalogKind kind)
      throws Exception {
    Path home = FloeStack.workDir("crash-" + kind);
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        CatalogFixture catalog = CatalogFixture.start(kind, home);
        EventTap tap = new EventTap(kafka.bootstrapServers(), Topics.SNAPSHOTS);
        ListenerProcesses.Instances listeners = new ListenerProcesses.Instances()) {
      TableWriter writer = new TableWriter(catalog.catalog());
      List<TableIdentifier> ids = new ArrayList<>();
      for (int i = 0; i < TABLES; i++) {
        ids.add(TableIdentifier.of("crash", "t" + i));
        writer.createOrLoad(ids.get(i), Orders.SCHEMA, Orders.BY_DAY);
      }
      Map<String, String> config = ListenerProcesses.config(kafka, catalog, "crash", "crash");
      ServiceProcess listener = listeners.start(config, home.resolve("logs"));
      Duration coldStart = listener.awaitColdStart();

      Set<Long> committed = ConcurrentHashMap.newKeySet();
      AtomicBoolean stop = new AtomicBoolean();
      CompletableFuture<Void> stream = commitStream(writer, ids, committed, stop);
      Random random = new Random(kind.ordinal());
      // The stream runs until after the last restart: every kill lands while commits are being
      // made, and commits are made while the listener is down.
      for (int kill = 0; kill <= KILLS; kill++) {
        int target = committed.size() + BETWEEN_KILLS + random.nextInt(6);
        await().atMost(Duration.ofSeconds(120)).until(() -> committed.size() >= target);
        if (kill == KILLS) {
          break;
        }
        listener.kill();
        listener = listeners.start(config, home.resolve("logs"));
        listener.awaitRestart(coldStart);
      }
      stop.set(true);
      stream.get();

      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                tap.poll(Duration.ofMillis(100));
                return ListenerProcesses.published(tap).containsAll(committed);
              });
      List<EventTap.Received> events = tap.drain();

      List<SnapshotCommitted> snapshots =
          events.stream()
              .map(r -> r.event().payload())
              .filter(SnapshotCommitted.class::isInstance)
              .map(SnapshotCommitted.class::cast)
              .toList();
      assertThat(snapshots).as("one event per commit").hasSize(committed.size());
      assertThat(snapshots.stream().map(SnapshotCommitted::snapshotId)).doesNotHaveDuplicates();
      for (TableIdentifier id : ids) {
        Table table = catalog.catalog().loadTable(id);
        List<Long> lineage = new ArrayList<>(SnapshotUtil.currentAncestorIds(table));
        Collections.reverse(lineage);
        assertThat(
                snapshots.stream()
                    .filter(s -> s.table().name().equals(id.name()))
                    .map(SnapshotCommitted::snapshotId))
            .as("lineage order of %s", id)
            .containsExactlyElementsOf(lineage);
      }
    }
  }

  /** Commits at a steady pace, one table after the other, on a timer thread, until stopped. */
  private static CompletableFuture<Void> commitStream(
      TableWriter writer, List<TableIdentifier> ids, Set<Long> committed, AtomicBoolean stop) {
    OffsetDateTime day = OffsetDateTime.of(2026, 11, 22, 0, 0, 0, 0, ZoneOffset.UTC);
    List<Table> tables = ids.stream().map(id -> writer.catalog().loadTable(id)).toList();
    CompletableFuture<Void> done = new CompletableFuture<>();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    AtomicInteger next = new AtomicInteger();
    timer.scheduleAtFixedRate(
        () -> {
          if (stop.get()) {
            done.complete(null);
            timer.shutdown();
            return;
          }
          int i = next.getAndIncrement();
          try {
            Table table = tables.get(i % tables.size());
            committed.add(
                writer
                    .append(
                        table,
                        List.of(
                            Orders.order(
                                table, i, "eu-west", "NEW", BigDecimal.ONE, day.plusMinutes(i))))
                    .snapshotId());
          } catch (RuntimeException e) {
            done.completeExceptionally(e);
            timer.shutdown();
          }
        },
        0,
        PACE.toMillis(),
        TimeUnit.MILLISECONDS);
    return done;
  }
}
