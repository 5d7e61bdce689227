package dev.floe.trigger.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.trigger.decide.TriggerState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A trigger's meters exist from its definition, at zero. */
@Tag("unit")
class TriggerMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final TriggerMetrics metrics = new TriggerMetrics(registry);

  @Test
  void aDefinitionRegistersEveryRunEventAndTheRunDurationAtZero() {
    metrics.defined("daily");

    assertThat(registry.find("floe.trigger.runs").tag("trigger", "daily").counters())
        .extracting(c -> c.getId().getTag("event") + "=" + c.count())
        .containsExactlyInAnyOrder(
            "requested=0.0", "started=0.0", "succeeded=0.0", "failed=0.0", "cancelled=0.0");
    assertThat(registry.get("floe.trigger.run.duration").tag("trigger", "daily").timer().count())
        .isZero();
  }

  @Test
  void anIdleTriggerReadsNothingPendingNoLagAndNotHeld() {
    Instant now = Instant.now();
    metrics.decisions(Map.of("daily", TriggerStatus.of("daily", TriggerState.empty(now), now)));

    assertThat(
            registry
                .get("floe.trigger.pending.change.sets")
                .tag("trigger", "daily")
                .gauge()
                .value())
        .isZero();
    assertThat(registry.get("floe.trigger.lag.seconds").tag("trigger", "daily").gauge().value())
        .isZero();
    assertThat(
            registry
                .get("floe.trigger.held")
                .tags("trigger", "daily", "reason", "none")
                .gauge()
                .value())
        .isZero();
  }
}
