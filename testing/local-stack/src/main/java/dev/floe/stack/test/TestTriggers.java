package dev.floe.stack.test;

import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.Concurrency;
import dev.floe.contracts.model.Launcher;
import dev.floe.contracts.model.RetryPolicy;
import dev.floe.contracts.model.TriggerCondition;
import dev.floe.contracts.model.TriggerInput;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Trigger definitions for tests that need one to exist, as published on {@code floe.triggers}. */
public final class TestTriggers {
  private TestTriggers() {}

  /**
   * A trigger on appends of an unused capture, running one attempt at a time through a webhook at a
   * closed local port: enough for a backfill to name it.
   */
  public static TriggerDefined webhook(String id) {
    return new TriggerDefined(
        id,
        List.of(TriggerInput.capture("unused")),
        TriggerCondition.ANY,
        0,
        1,
        null,
        Duration.ZERO,
        List.of(),
        List.of(ChangeKind.APPEND),
        false,
        Concurrency.sequential(),
        new RetryPolicy(1, Duration.ofSeconds(1)),
        Duration.ofHours(1),
        new Launcher(Launcher.Type.WEBHOOK, "http://127.0.0.1:9/run", null, null, null, null, null),
        false,
        null,
        "test",
        Instant.now());
  }
}
