package dev.floe.listener.status;

import dev.floe.contracts.event.EventType;
import dev.floe.contracts.event.ListenerCheckpoint;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.event.TableEvent;
import dev.floe.contracts.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/** The listener's metrics, all named {@code floe_listener_…}. Thread-safe. */
public final class ListenerMetrics {
  private final MeterRegistry registry;
  private final Timer detectionLatency;
  private final Map<String, AtomicLong> lastCommits = new ConcurrentHashMap<>();
  private final Set<String> stalenessTracked = ConcurrentHashMap.newKeySet();

  public ListenerMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.detectionLatency =
        Timer.builder("floe.listener.detection.latency")
            .description("Time from a snapshot's commit to its SnapshotCommitted event")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(10))
            .maximumExpectedValue(Duration.ofMinutes(10))
            .register(registry);
    for (EventType type : EventType.values()) {
      if (TableEvent.class.isAssignableFrom(type.payloadClass())) {
        published(type); // at zero: a panel of event types has every series from the start
      }
    }
  }

  private Counter published(EventType type) {
    return Counter.builder("floe.listener.events.published")
        .description("Events published to the snapshots topic, by type")
        .tag("type", type.typeName())
        .register(registry);
  }

  public void published(TableEvent event) {
    published(EventType.of(event)).increment();
    if (event instanceof SnapshotCommitted committed) {
      detectionLatency.record(Duration.ofMillis(committed.detectionLatencyMs()));
      lastCommit(Topics.tableKey(committed.table()))
          .accumulateAndGet(committed.committedAt().toEpochMilli(), Math::max);
    }
  }

  /**
   * After a successful poll, once its checkpoint is committed: the newest commit the checkpoint
   * accounts for, published now or before this process started, so that a restarted listener shows
   * every watched table's last commit without waiting for its next one.
   */
  public void polledPositions(String table, ListenerCheckpoint checkpoint) {
    if (checkpoint == null || checkpoint.branchHeads().isEmpty()) {
      return;
    }
    long newest =
        checkpoint.branchHeads().values().stream()
            .mapToLong(head -> head.committedAt().toEpochMilli())
            .max()
            .getAsLong();
    lastCommit(table).accumulateAndGet(newest, Math::max);
  }

  /** Epoch millis of the newest commit published per table; Long.MIN_VALUE before the first. */
  private AtomicLong lastCommit(String table) {
    return lastCommits.computeIfAbsent(
        table,
        t -> {
          AtomicLong at = new AtomicLong(Long.MIN_VALUE);
          Gauge.builder(
                  "floe.listener.last.commit.timestamp",
                  at,
                  a -> a.get() == Long.MIN_VALUE ? Double.NaN : a.get() / 1000.0)
              .description(
                  "Commit time of the newest snapshot published, or taken as the starting point,"
                      + " by table, Unix seconds")
              .baseUnit("seconds")
              .tag("table", t)
              .register(registry);
          return at;
        });
  }

  /**
   * Tracks how long ago a polled table was last confirmed fully published; {@code staleness} gives
   * the seconds. Registered once per table.
   */
  public void polledTable(String table, ToDoubleFunction<String> staleness) {
    if (stalenessTracked.add(table)) {
      Gauge.builder("floe.listener.staleness", table, staleness)
          .description("Time since a poll last confirmed the table fully published, by table")
          .baseUnit("seconds")
          .tag("table", table)
          .strongReference(true)
          .register(registry);
      catalogErrors(table); // from zero, so that a healthy table reads 0 rather than no data
    }
  }

  public void polled(String outcome, Duration took) {
    Timer.builder("floe.listener.poll.duration")
        .description("Time to load a table and read its lineage, by outcome")
        .tag("outcome", outcome)
        .register(registry)
        .record(took);
  }

  public void catalogError(String table) {
    catalogErrors(table).increment();
  }

  private Counter catalogErrors(String table) {
    return Counter.builder("floe.listener.catalog.errors")
        .description("Failed table polls, by table")
        .tag("table", table)
        .register(registry);
  }

  public void hint(String outcome) {
    Counter.builder("floe.listener.hints")
        .description("Push hints received, by outcome: accepted, unwatched, malformed")
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  public void transaction(String outcome) {
    Counter.builder("floe.listener.transactions")
        .description("Kafka transactions of events and checkpoints, by outcome")
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  public void invalidRecord(String topic) {
    Counter.builder("floe.listener.invalid.records")
        .description("Records of the watches or checkpoints topic that could not be decoded")
        .tag("topic", topic)
        .register(registry)
        .increment();
  }

  public void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(registry);
  }
}
