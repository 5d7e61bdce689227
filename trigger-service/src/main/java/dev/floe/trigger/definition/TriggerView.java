package dev.floe.trigger.definition;

import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.OnLost;
import dev.floe.contracts.model.RangeFilter;
import dev.floe.contracts.model.TriggerInput;
import dev.floe.trigger.status.TriggerStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A trigger as the API shows it: the shape of its request, with every default filled in. */
public record TriggerView(
    String id,
    List<TriggerRequest.Input> inputs,
    String condition,
    long minRecords,
    int minChangeSets,
    Duration maxDelay,
    Duration quietPeriod,
    List<RangeFilter> rangeFilters,
    List<String> changeKinds,
    boolean propagateBackfills,
    Map<String, Object> concurrency,
    Map<String, Object> retry,
    Duration runTimeout,
    Map<String, Object> launcher,
    boolean paused,
    String onLost,
    String definedBy,
    Instant definedAt,
    TriggerStatus status) {

  /** The same view with the trigger's decision status. */
  TriggerView withStatus(TriggerStatus s) {
    return new TriggerView(
        id,
        inputs,
        condition,
        minRecords,
        minChangeSets,
        maxDelay,
        quietPeriod,
        rangeFilters,
        changeKinds,
        propagateBackfills,
        concurrency,
        retry,
        runTimeout,
        launcher,
        paused,
        onLost,
        definedBy,
        definedAt,
        s);
  }

  static TriggerView of(TriggerDefined t) {
    return new TriggerView(
        t.triggerId(),
        t.inputs().stream().map(TriggerView::input).toList(),
        t.condition().wireName(),
        t.minRecords(),
        t.minChangeSets(),
        t.maxDelay(),
        t.quietPeriod(),
        t.rangeFilters(),
        t.changeKinds().stream().map(ChangeKind::wireName).toList(),
        t.propagateBackfills(),
        Map.of(
            "policy", t.concurrency().policy().wireName(),
            "maxParallel", t.concurrency().maxParallel()),
        Map.of("maxAttempts", t.retry().maxAttempts(), "backoff", t.retry().backoff()),
        t.runTimeout(),
        launcher(t),
        t.paused(),
        (t.onLost() == null ? OnLost.HOLD : t.onLost()).wireName(),
        t.definedBy(),
        t.definedAt(),
        null);
  }

  private static TriggerRequest.Input input(TriggerInput input) {
    return input.captureId() != null
        ? new TriggerRequest.Input(input.captureId(), null)
        : new TriggerRequest.Input(null, input.table().qualifiedName());
  }

  /** The launcher without its header values: they may hold credentials. */
  private static Map<String, Object> launcher(TriggerDefined t) {
    var l = t.launcher();
    var out = new java.util.LinkedHashMap<String, Object>();
    out.put("type", l.type().wireName());
    if (l.url() != null) {
      out.put("url", l.url());
    }
    if (l.workflowId() != null) {
      out.put("workflowId", l.workflowId());
    }
    if (l.dagId() != null) {
      out.put("dagId", l.dagId());
    }
    if (l.topic() != null) {
      out.put("topic", l.topic());
    }
    if (l.params() != null) {
      out.put("params", l.params());
    }
    out.put("headers", l.headers().keySet().stream().sorted().toList());
    if (l.user() != null) {
      out.put("user", l.user());
    }
    if (l.login() != null) {
      out.put("login", Map.of("username", l.login().username()));
    }
    return out;
  }
}
