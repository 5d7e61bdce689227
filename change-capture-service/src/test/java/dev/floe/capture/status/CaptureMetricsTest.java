package dev.floe.capture.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.TableRef;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A capture's meters exist from its definition, at values that claim nothing. */
@Tag("unit")
class CaptureMetricsTest {
  private static final TableRef ORDERS = new TableRef("lake", List.of("demo"), "orders");

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final CaptureMetrics metrics = new CaptureMetrics(registry);

  @Test
  void aDefinitionRegistersItsCountersAtZeroAndItsTimesAsNaN() {
    metrics.defined(capture("a", List.of(ChangeKind.APPEND, ChangeKind.ROW_DELETE)));

    assertThat(registry.find("floe.capture.changes").tag("capture", "a").counters())
        .extracting(c -> c.getId().getTag("kind") + "=" + c.count())
        .containsExactlyInAnyOrder("append=0.0", "row-delete=0.0");
    assertThat(registry.get("floe.capture.states.omitted").tag("capture", "a").counter().count())
        .isZero();
    assertThat(registry.get("floe.capture.last.capture.timestamp").tag("capture", "a").gauge())
        .extracting(Gauge::value)
        .isEqualTo(Double.NaN);
  }

  @Test
  void pinnedReadsZeroUntilAPassCountsTheCaptureThenOnlyWhatPassesCount() {
    metrics.defined(capture("a", List.of(ChangeKind.APPEND)));
    metrics.defined(capture("b", List.of(ChangeKind.APPEND)));
    assertThat(pinned()).as("before the definitions are all read").isEmpty();

    metrics.definitionsRead();
    assertThat(pinned()).containsExactlyEntriesOf(new TreeMap<>(Map.of("a", 0.0, "b", 0.0)));

    assertThat(expiries()).as("no pins, nothing expires").containsOnlyKeys("a", "b");
    assertThat(expiries().values()).allMatch(v -> v.isNaN());

    Instant first = Instant.parse("2026-12-08T00:00:00Z");
    metrics.pinned(Map.of("a", new CaptureMetrics.Pins("lake:demo.orders", 3, first)));
    assertThat(pinned()).containsExactlyEntriesOf(new TreeMap<>(Map.of("a", 3.0, "b", 0.0)));
    assertThat(expiries()).containsEntry("a", (double) first.getEpochSecond());

    // A pass that no longer counts a (its table failed to load, or another instance owns it):
    // no series rather than a 0 that would hide its pins.
    metrics.pinned(Map.of("b", new CaptureMetrics.Pins("lake:demo.orders", 1, null)));
    assertThat(pinned()).containsExactlyEntriesOf(Map.of("b", 1.0));

    metrics.defined(capture("c", List.of(ChangeKind.APPEND)));
    metrics.deleted("b");
    assertThat(pinned()).as("b stays as the pass counted it").containsEntry("b", 1.0);
    assertThat(pinned()).containsEntry("c", 0.0);
    metrics.deleted("c");
    assertThat(pinned()).doesNotContainKey("c");
  }

  private Map<String, Double> expiries() {
    Map<String, Double> out = new TreeMap<>();
    registry
        .find("floe.capture.pin.expiry.timestamp")
        .gauges()
        .forEach(g -> out.put(g.getId().getTag("capture"), g.value()));
    return out;
  }

  private Map<String, Double> pinned() {
    Map<String, Double> out = new TreeMap<>();
    registry
        .find("floe.capture.pinned.snapshots")
        .gauges()
        .forEach(g -> out.put(g.getId().getTag("capture"), g.value()));
    return out;
  }

  private static CaptureDefined capture(String id, List<ChangeKind> kinds) {
    return new CaptureDefined(
        id,
        ORDERS,
        "main",
        List.of(),
        kinds,
        new TableRef("lake", List.of("floe_icdc"), "orders__" + id),
        Duration.ZERO,
        Duration.ofDays(7),
        Duration.ofDays(3),
        false,
        false,
        false,
        null,
        null,
        "test",
        Instant.now());
  }
}
