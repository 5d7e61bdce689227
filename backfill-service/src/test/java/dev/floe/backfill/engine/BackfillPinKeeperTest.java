package dev.floe.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.backfill.plan.BackfillPins;
import dev.floe.backfill.run.BackfillState;
import dev.floe.backfill.run.BackfillStatus;
import dev.floe.backfill.status.BackfillMetrics;
import dev.floe.contracts.model.BackfillSpec;
import dev.floe.contracts.model.TableRef;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.catalog.CatalogKind;
import dev.floe.stack.test.FloeStack;
import dev.floe.stack.writer.Orders;
import dev.floe.stack.writer.TableWriter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The pins of backfills, released once they completed and measured while they run. */
@Tag("unit")
class BackfillPinKeeperTest {
  private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
  private static CatalogFixture fixture;
  private static Table table;
  private static TableRef ref;

  @BeforeAll
  static void start() {
    fixture = CatalogFixture.start(CatalogKind.SQLITE, FloeStack.workDir("pin-keeper"));
    TableWriter writer = new TableWriter(fixture.catalog());
    table = writer.createOrLoad(TableIdentifier.of("demo", "pinned"), Orders.SCHEMA, Orders.BY_DAY);
    writer.append(
        table,
        List.of(
            Orders.order(
                table,
                1,
                "eu",
                "NEW",
                BigDecimal.ONE,
                OffsetDateTime.of(2026, 12, 1, 0, 0, 0, 0, ZoneOffset.UTC))));
    ref = new TableRef(fixture.name(), List.of("demo"), "pinned");
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @Test
  void aCompletedBackfillLosesItsPinsOnceSettledAndTheOthersKeepTheirs() {
    for (String id : List.of("done", "failed", "running")) {
      BackfillPins.pin(
          table,
          BackfillPins.PREFIX + id,
          table.currentSnapshot().snapshotId(),
          Duration.ofDays(7));
    }
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    BackfillPinKeeper keeper =
        new BackfillPinKeeper(
            fixture::catalog, new BackfillMetrics(meters), Duration.ofMinutes(10));
    BackfillState done = state("done", BackfillStatus.COMPLETED, NOW);
    List<BackfillState> held =
        List.of(
            done,
            state("failed", BackfillStatus.FAILED, NOW.minusSeconds(60)),
            state("running", BackfillStatus.RUNNING, null));

    keeper.pass(held, NOW.plus(BackfillPinKeeper.SETTLED).minusSeconds(1));
    table.refresh();
    assertThat(table.refs()).as("not settled yet").containsKey(BackfillPins.PREFIX + "done");

    keeper.pass(held, NOW.plus(BackfillPinKeeper.SETTLED));
    table.refresh();
    assertThat(table.refs())
        .doesNotContainKey(BackfillPins.PREFIX + "done")
        .containsKeys(BackfillPins.PREFIX + "failed", BackfillPins.PREFIX + "running");
    assertThat(meters.get("floe.backfill.pins.released").counter().count()).isEqualTo(1);

    // The pins of a backfill that still runs chunks are measured; ended ones are not.
    List<Gauge> expiries = List.copyOf(meters.find("floe.backfill.pin.expiry.timestamp").gauges());
    assertThat(expiries)
        .singleElement()
        .satisfies(
            g -> {
              assertThat(g.getId().getTag("backfill")).isEqualTo("running");
              assertThat(g.value()).isGreaterThan(NOW.plus(Duration.ofDays(6)).getEpochSecond());
            });

    // An id planned again after the first was forgotten is released again.
    keeper.pass(List.of(), NOW.plusSeconds(60));
    BackfillPins.pin(
        table,
        BackfillPins.PREFIX + "done",
        table.currentSnapshot().snapshotId(),
        Duration.ofDays(7));
    BackfillState again = state("done", BackfillStatus.COMPLETED, NOW.plusSeconds(100));
    again.createdAt = NOW.plusSeconds(70);
    keeper.pass(List.of(again), NOW.plusSeconds(200));
    table.refresh();
    assertThat(table.refs()).doesNotContainKey(BackfillPins.PREFIX + "done");
  }

  @Test
  void aBackfillStartedSinceTheLastMeasureIsMeasuredAtTheNextPass() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    BackfillPinKeeper keeper =
        new BackfillPinKeeper(
            fixture::catalog, new BackfillMetrics(meters), Duration.ofMinutes(10));
    keeper.pass(List.of(), NOW);
    assertThat(meters.find("floe.backfill.pin.expiry.timestamp").gauges()).isEmpty();

    BackfillPins.pin(
        table,
        BackfillPins.PREFIX + "later",
        table.currentSnapshot().snapshotId(),
        Duration.ofDays(7));
    keeper.pass(List.of(state("later", BackfillStatus.RUNNING, null)), NOW.plusSeconds(5));

    assertThat(meters.find("floe.backfill.pin.expiry.timestamp").gauges())
        .as("measured 5 s after the last measure, not one interval (10 min) later")
        .singleElement()
        .satisfies(g -> assertThat(g.getId().getTag("backfill")).isEqualTo("later"));
  }

  private static BackfillState state(String id, BackfillStatus status, Instant finishedAt) {
    BackfillState s = new BackfillState();
    s.backfillId = id;
    s.status = status;
    s.createdAt = NOW.minus(Duration.ofHours(1));
    s.finishedAt = finishedAt;
    s.spec =
        new BackfillSpec(
            ref,
            null,
            new BackfillSpec.Range(null, null, null, null, null, null, null, null),
            new BackfillSpec.Chunking("files", null, 10L, null),
            "job",
            1,
            BackfillSpec.Order.OLDEST_FIRST,
            false,
            null,
            null);
    return s;
  }
}
