package dev.floe.capture.status;

import dev.floe.contracts.event.CaptureDefined;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.FieldRange;
import dev.floe.contracts.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The capture service's metrics, all named {@code floe_capture_…}. Thread-safe. */
public final class CaptureMetrics {
  private final MeterRegistry registry;
  private final Timer latency;
  private final MultiGauge pinned;
  private final MultiGauge pinExpiry;
  private final Map<String, String> definedTables = new ConcurrentHashMap<>();
  private final Set<String> counted = ConcurrentHashMap.newKeySet();
  private volatile Map<String, Pins> lastPass = Map.of();
  private volatile boolean live;
  private final Counter passes;
  private final Map<String, Freshness> freshness = new ConcurrentHashMap<>();

  public CaptureMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.latency =
        Timer.builder("floe.capture.latency")
            .description("Time from a source commit to its ChangeCaptured event")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(10))
            .maximumExpectedValue(Duration.ofMinutes(10))
            .register(registry);
    this.pinned =
        MultiGauge.builder("floe.capture.pinned.snapshots")
            .description("Source snapshots pinned by a capture")
            .register(registry);
    this.pinExpiry =
        MultiGauge.builder("floe.capture.pin.expiry.timestamp")
            .description("When the first of a capture's source pins expires, in Unix seconds")
            .baseUnit("seconds")
            .register(registry);
    this.passes =
        Counter.builder("floe.capture.maintenance.passes")
            .description("Maintenance passes (ICDC expiry, pin release) that ended")
            .register(registry);
  }

  /**
   * A capture's counters at zero from its definition, so that its panels and alerts have a series
   * before its first change: change sets of each kind it takes, and changes without states.
   */
  public void defined(CaptureDefined capture) {
    String id = capture.captureId();
    for (ChangeKind kind : capture.changeKinds()) {
      changes(id, kind);
    }
    statesOmitted(id);
    String table = Topics.tableKey(capture.table());
    freshness(id, table); // NaN until its first change: no time reads as 1970
    if (!table.equals(definedTables.put(id, table)) && live) {
      registerPinned();
    }
  }

  /** A capture deleted: its pinned-snapshots series goes, unless a pass counted it. */
  public void deleted(String captureId) {
    if (definedTables.remove(captureId) != null && live) {
      registerPinned();
    }
  }

  /**
   * Every definition has been read: the pinned-snapshots series of each are registered at once, not
   * once per definition read.
   */
  public void definitionsRead() {
    live = true;
    registerPinned();
  }

  /**
   * Each pass's pins, and none (0 pins, expiry NaN) for a defined capture that no pass here has
   * counted yet: a new capture, or every capture until the first pass. A capture a pass counted
   * once and not since (its table failed to load, another instance owns it now) has no series, as
   * before it was counted. An expiry is NaN without pins: nothing expires, and no time reads as
   * 1970, which the pin alert would take for expired.
   */
  private synchronized void registerPinned() {
    Map<String, Pins> shown = new HashMap<>(lastPass);
    definedTables.forEach(
        (c, table) -> {
          if (!shown.containsKey(c) && !counted.contains(c)) {
            shown.put(c, new Pins(table, 0, null));
          }
        });
    List<MultiGauge.Row<?>> counts = new ArrayList<>();
    List<MultiGauge.Row<?>> expiries = new ArrayList<>();
    shown.forEach(
        (c, p) -> {
          counts.add(MultiGauge.Row.of(tags(c, p.table()), p.count()));
          expiries.add(
              MultiGauge.Row.of(
                  tags(c, p.table()),
                  p.earliestExpiry() == null
                      ? Double.NaN
                      : p.earliestExpiry().toEpochMilli() / 1000.0));
        });
    pinned.register(counts, true);
    pinExpiry.register(expiries, true);
  }

  private Counter changes(String capture, ChangeKind kind) {
    return Counter.builder("floe.capture.changes")
        .description("Change sets published, by capture and kind")
        .tags("capture", capture, "kind", kind.wireName())
        .register(registry);
  }

  private Counter statesOmitted(String capture) {
    return Counter.builder("floe.capture.states.omitted")
        .description(
            "Changes published without ICDC states because Iceberg would refuse them for good,"
                + " by capture")
        .tag("capture", capture)
        .register(registry);
  }

  /** The newest source commit a capture has captured, and when; read by the freshness gauges. */
  private static final class Freshness {
    volatile double committedAt = Double.NaN;
    volatile double capturedAt = Double.NaN;
  }

  public void captured(ChangeCaptured event, Instant now) {
    latency.record(Duration.between(event.committedAt(), now).abs());
    String capture = event.captureId();
    fresh(capture, Topics.tableKey(event.table()), event.committedAt(), now);
    changes(capture, event.kind()).increment();
    Counter omitted = statesOmitted(capture);
    if (event.statesOmitted() != null) {
      omitted.increment();
    }
    if (event.icdc() != null || event.removedIcdc() != null) {
      Counter.builder("floe.capture.icdc.commits")
          .description("ICDC states committed, by capture")
          .tag("capture", capture)
          .register(registry)
          .increment();
    }
    Counter.builder("floe.capture.files.referenced")
        .description("Source files referenced by ICDC states, added and removed")
        .tag("capture", capture)
        .register(registry)
        .increment(
            event.stats().addedDataFiles()
                + event.stats().addedDeleteFiles()
                + event.stats().removedDataFiles());
    Counter.builder("floe.capture.records.referenced")
        .description("Records in source files referenced by ICDC states")
        .tag("capture", capture)
        .register(registry)
        .increment(event.stats().addedRecords() + event.stats().removedRecords());
    for (FieldRange range : event.ranges()) {
      Counter.builder("floe.capture.ranges")
          .description("Field ranges published, by exactness")
          .tag("exactness", range.exactness().wireName())
          .register(registry)
          .increment();
    }
  }

  private void fresh(String capture, String table, Instant committedAt, Instant now) {
    Freshness f = freshness(capture, table);
    double committed = committedAt.toEpochMilli() / 1000.0;
    if (Double.isNaN(f.committedAt) || committed > f.committedAt) {
      f.committedAt = committed;
    }
    f.capturedAt = now.toEpochMilli() / 1000.0;
  }

  private Freshness freshness(String capture, String table) {
    return freshness.computeIfAbsent(
        capture,
        c -> {
          Freshness created = new Freshness();
          Gauge.builder("floe.capture.last.commit.timestamp", created, x -> x.committedAt)
              .description("Commit time of the newest source snapshot captured, Unix seconds")
              .baseUnit("seconds")
              .tags(tags(capture, table))
              .register(registry);
          Gauge.builder("floe.capture.last.capture.timestamp", created, x -> x.capturedAt)
              .description("When the capture last published a change set, Unix seconds")
              .baseUnit("seconds")
              .tags(tags(capture, table))
              .register(registry);
          return created;
        });
  }

  /** Row change events committed to row streams. */
  public void rowsPublished(long events) {
    if (events > 0) {
      Counter.builder("floe.capture.row.events")
          .description("Row change events committed to floe.rows.* topics")
          .register(registry)
          .increment(events);
    }
  }

  public void skipped(String reason) {
    Counter.builder("floe.capture.skipped")
        .description("Snapshots not captured, by reason")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  /**
   * A record of the captures topic that is not a capture definition; it is skipped. (Records of the
   * snapshots topic that cannot be captured go to the dead-letter topic and are counted there.)
   */
  public void invalidDefinition() {
    Counter.builder("floe.capture.invalid.definitions")
        .description("Records of the captures topic that are not capture definitions, skipped")
        .register(registry)
        .increment();
  }

  /** A maintenance pass (ICDC expiry, pin release) ended. */
  public void maintained() {
    passes.increment();
  }

  /** Source pins a capture released, by why: consumed by every reader, or past their TTL. */
  public void pinsReleased(String capture, String reason, long count) {
    Counter released =
        Counter.builder("floe.capture.pins.released")
            .description("Source pins released, by capture and reason (consumed, expired)")
            .tags("capture", capture, "reason", reason)
            .register(registry);
    released.increment(count);
  }

  public void pinFailed() {
    Counter.builder("floe.capture.pin.failures")
        .description("Captured snapshots whose source pins could not be committed")
        .register(registry)
        .increment();
  }

  public void retried() {
    Counter.builder("floe.capture.retries")
        .description("Transient failures retried with back-off")
        .register(registry)
        .increment();
  }

  /**
   * The source pins of the captures this instance owns, set after each maintenance pass; see {@link
   * #registerPinned()} for the captures it does not count.
   *
   * @param byCapture every owned capture, with or without pins
   */
  public void pinned(Map<String, Pins> byCapture) {
    lastPass = Map.copyOf(byCapture);
    counted.addAll(byCapture.keySet());
    registerPinned();
  }

  /**
   * A capture's pins on its source table.
   *
   * @param table the source table's key, {@code <catalog>:<namespace>.<table>}
   * @param earliestExpiry when the first of its pins expires; null without pins
   */
  public record Pins(String table, int count, Instant earliestExpiry) {}

  private static Tags tags(String capture, String table) {
    return Tags.of("capture", capture, "table", table);
  }

  public void expired(String capture, int states) {
    Counter.builder("floe.capture.icdc.expired")
        .description("ICDC states expired, by capture")
        .tag("capture", capture)
        .register(registry)
        .increment(states);
  }
}
