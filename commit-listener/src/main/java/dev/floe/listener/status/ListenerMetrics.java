package dev.floe.listener.status;

import dev.floe.contracts.event.EventType;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.event.TableEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/** The listener's metrics, all named {@code floe_listener_…}. Thread-safe. */
public final class ListenerMetrics {
  private final MeterRegistry registry;
  private final Timer detectionLatency;

  public ListenerMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.detectionLatency =
        Timer.builder("floe.listener.detection.latency")
            .description("Time from a snapshot's commit to its SnapshotCommitted event")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(10))
            .maximumExpectedValue(Duration.ofMinutes(10))
            .register(registry);
  }

  public void published(TableEvent event) {
    Counter.builder("floe.listener.events.published")
        .description("Events published to the snapshots topic, by type")
        .tag("type", EventType.of(event).typeName())
        .register(registry)
        .increment();
    if (event instanceof SnapshotCommitted committed) {
      detectionLatency.record(Duration.ofMillis(committed.detectionLatencyMs()));
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
    Counter.builder("floe.listener.catalog.errors")
        .description("Failed table polls, by table")
        .tag("table", table)
        .register(registry)
        .increment();
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
