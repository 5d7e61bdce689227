package dev.floe.trigger.status;

import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.RunCancelled;
import dev.floe.contracts.event.RunEvent;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.RunStarted;
import dev.floe.contracts.event.RunSucceeded;
import dev.floe.trigger.decide.TriggerTopology;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The trigger-service's metrics, named {@code floe_trigger_…}. */
public final class TriggerMetrics {
  private final MeterRegistry registry;
  private final Timer launchLatency;
  private final MultiGauge pending;
  private final MultiGauge lag;
  private final MultiGauge held;
  private final Set<String> triggersSeen = ConcurrentHashMap.newKeySet();

  private static final List<String> EVENTS =
      List.of("requested", "started", "succeeded", "failed", "cancelled");

  public TriggerMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.launchLatency =
        Timer.builder("floe.trigger.launch.latency")
            .description("Time from a run's request to its job being started")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(5))
            .maximumExpectedValue(Duration.ofMinutes(5))
            .register(registry);
    this.pending =
        MultiGauge.builder("floe.trigger.pending.change.sets")
            .description("Change sets waiting for a run, by trigger")
            .register(registry);
    this.lag =
        MultiGauge.builder("floe.trigger.lag.seconds")
            .description("Age of the oldest change not yet covered by a successful run")
            .register(registry);
    this.held =
        MultiGauge.builder("floe.trigger.held")
            .description(
                "1 while a trigger waits for an operator (an input lost a change), else 0; by"
                    + " trigger and reason")
            .register(registry);
  }

  /** A run event read on floe.runs. */
  public void observed(Payload payload) {
    if (!(payload instanceof RunEvent run)) {
      return;
    }
    String event =
        payload instanceof RunRequested
            ? "requested"
            : payload instanceof RunStarted
                ? "started"
                : payload instanceof RunSucceeded
                    ? "succeeded"
                    : payload instanceof RunFailed
                        ? "failed"
                        : payload instanceof RunCancelled ? "cancelled" : "other";
    defined(run.triggerId());
    runs(run.triggerId(), event).increment();
    if (payload instanceof RunSucceeded done) {
      runDuration(run.triggerId()).record(Duration.ofMillis(done.durationMs()));
    }
  }

  /**
   * A trigger's meters at zero from its definition (or its first run event), so that a trigger's
   * failures or refusals read 0 rather than no data, and an alert sees the first increase.
   */
  public void defined(String triggerId) {
    if (triggersSeen.add(triggerId)) {
      EVENTS.forEach(kind -> runs(triggerId, kind));
      runDuration(triggerId);
      TriggerTopology.refusedRuns(triggerId);
    }
  }

  private Timer runDuration(String triggerId) {
    return Timer.builder("floe.trigger.run.duration")
        .description("Duration of successful runs, as their jobs report it")
        .tag("trigger", triggerId)
        .register(registry);
  }

  private Counter runs(String triggerId, String event) {
    return Counter.builder("floe.trigger.runs")
        .description("Run events, by trigger and kind")
        .tags("trigger", triggerId, "event", event)
        .register(registry);
  }

  public void launched(Duration sinceRequest) {
    launchLatency.record(sinceRequest.isNegative() ? Duration.ZERO : sinceRequest);
  }

  /**
   * Pending change sets, lag and hold by trigger: those this instance holds, and idle ones for the
   * other defined triggers (held elsewhere, or nowhere yet), which the dashboards' sums and maxima
   * over instances do not change.
   */
  public void decisions(Map<String, TriggerStatus> byTrigger) {
    // From 0 for every trigger this instance decides, so that a first refusal shows as an increase.
    byTrigger.keySet().forEach(TriggerTopology::refusedRuns);
    byTrigger.keySet().forEach(TriggerTopology::lostChanges);
    held.register(
        byTrigger.entrySet().stream()
            .map(
                e ->
                    MultiGauge.Row.of(
                        Tags.of(
                            "trigger",
                            e.getKey(),
                            "reason",
                            e.getValue().hold() == null ? "none" : e.getValue().hold().reason()),
                        e.getValue().hold() == null ? 0 : 1))
            .toList(),
        true);
    pending.register(
        byTrigger.entrySet().stream()
            .map(
                e ->
                    MultiGauge.Row.of(
                        Tags.of("trigger", e.getKey()), e.getValue().pendingChangeSets()))
            .toList(),
        true);
    lag.register(
        byTrigger.entrySet().stream()
            .map(e -> MultiGauge.Row.of(Tags.of("trigger", e.getKey()), e.getValue().lagSeconds()))
            .toList(),
        true);
  }
}
