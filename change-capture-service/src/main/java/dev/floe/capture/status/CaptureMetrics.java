package dev.floe.capture.status;

import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.model.FieldRange;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** The capture service's metrics, all named {@code floe_capture_…}. Thread-safe. */
public final class CaptureMetrics {
  private final MeterRegistry registry;
  private final Timer latency;
  private final MultiGauge pinned;

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
  }

  public void captured(ChangeCaptured event, Instant now) {
    latency.record(Duration.between(event.committedAt(), now).abs());
    String capture = event.captureId();
    Counter.builder("floe.capture.changes")
        .description("Change sets published, by capture and kind")
        .tags("capture", capture, "kind", event.kind().wireName())
        .register(registry)
        .increment();
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

  public void skipped(String reason) {
    Counter.builder("floe.capture.skipped")
        .description("Snapshots not captured, by reason")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  public void deadLettered(String reason) {
    Counter.builder("floe.capture.dlq")
        .description("Records sent to the dead-letter topic, by reason")
        .tag("reason", reason)
        .register(registry)
        .increment();
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

  public void pinned(Map<String, Integer> byCapture) {
    pinned.register(
        byCapture.entrySet().stream()
            .map(e -> MultiGauge.Row.of(Tags.of("capture", e.getKey()), e.getValue()))
            .toList(),
        true);
  }

  public void expired(String capture, int states) {
    Counter.builder("floe.capture.icdc.expired")
        .description("ICDC states expired, by capture")
        .tag("capture", capture)
        .register(registry)
        .increment(states);
  }
}
