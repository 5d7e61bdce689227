package dev.floe.trigger.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.ChangeLost;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.model.BackfillTag;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.ChangeStats;
import dev.floe.contracts.model.Concurrency;
import dev.floe.contracts.model.Exactness;
import dev.floe.contracts.model.FieldRange;
import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.Launcher;
import dev.floe.contracts.model.LostChange;
import dev.floe.contracts.model.OnLost;
import dev.floe.contracts.model.RangeFilter;
import dev.floe.contracts.model.RetryPolicy;
import dev.floe.contracts.model.RunInput;
import dev.floe.contracts.model.SnapshotRange;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.model.TriggerCondition;
import dev.floe.contracts.model.TriggerInput;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Each trigger rule, on the pure decision core: every test fails if its rule breaks. */
@Tag("unit")
class DeciderTest {
  private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
  private static final TableRef ORDERS = new TableRef("lake", List.of("demo"), "orders");
  private static final TableRef CUSTOMERS = new TableRef("lake", List.of("demo"), "customers");

  private long snapshot = 100;

  private static TriggerDefined trigger(
      List<TriggerInput> inputs,
      TriggerCondition condition,
      Duration maxDelay,
      Duration quiet,
      List<RangeFilter> filters,
      Concurrency concurrency,
      long minRecords) {
    return new TriggerDefined(
        "t",
        inputs,
        condition,
        minRecords,
        1,
        maxDelay,
        quiet,
        filters,
        Arrays.stream(ChangeKind.values()).filter(k -> k != ChangeKind.REPLACE).toList(),
        false,
        concurrency,
        new RetryPolicy(2, Duration.ofSeconds(10)),
        Duration.ofMinutes(30),
        new Launcher(Launcher.Type.WEBHOOK, "http://127.0.0.1/run", null, null, null, null, null),
        false,
        null,
        "test",
        T0);
  }

  private static TriggerDefined simple(Concurrency concurrency) {
    return trigger(
        List.of(TriggerInput.capture("orders")),
        TriggerCondition.ANY,
        null,
        Duration.ZERO,
        List.of(),
        concurrency,
        0);
  }

  private ChangeCaptured change(
      String capture, TableRef table, ChangeKind kind, String from, String to) {
    long s = ++snapshot;
    return new ChangeCaptured(
        capture,
        table,
        "uuid",
        new SnapshotRange(s - 1, s, List.of(s)),
        kind,
        new ChangeStats(1, 0, 0, 0, 10, 0, 0, 0, 1000, 0),
        new IcdcRef(
            new TableRef("lake", List.of("floe_icdc"), capture), "change-" + s, s * 10, null),
        null,
        from == null
            ? List.of()
            : List.of(new FieldRange("order_ts", 6, "timestamptz", from, to, Exactness.EXACT)),
        List.of(),
        false,
        T0,
        T0,
        null,
        null);
  }

  private ChangeCaptured append() {
    return change("orders", ORDERS, ChangeKind.APPEND, null, null);
  }

  private static TriggerState accept(
      TriggerDefined t, TriggerState s, ChangeCaptured c, Instant at) {
    return Decider.accept(
        t, s, "ChangeCaptured:" + c.captureId() + "/" + c.range().toSnapshotId(), c, at);
  }

  @Test
  void anyInputWithAChangeStartsARunThatCarriesIt() {
    TriggerDefined t = simple(Concurrency.sequential());
    ChangeCaptured c = append();
    TriggerState s = accept(t, TriggerState.empty(T0), c, T0);
    Decider.Decision d = Decider.decide(t, s, T0, false);
    assertThat(d.requests()).hasSize(1);
    RunRequested run = d.requests().get(0);
    assertThat(run.inputs()).hasSize(1);
    assertThat(run.inputs().get(0).icdc()).isEqualTo(c.icdc());
    assertThat(run.inputs().get(0).snapshotRanges()).containsExactly(c.range());
    assertThat(run.records()).isEqualTo(10);
    assertThat(d.state().pending()).isEmpty();
  }

  /** A change the capture published without states is marked, so its run goes without them. */
  @Test
  void aChangeWithoutStatesIsMarkedWithWhy() {
    TriggerDefined t = simple(Concurrency.sequential());
    ChangeCaptured c = append();
    ChangeCaptured u = change("orders", ORDERS, ChangeKind.OVERWRITE, null, null);
    ChangeCaptured omitted =
        new ChangeCaptured(
            u.captureId(),
            u.table(),
            u.tableUuid(),
            u.range(),
            u.kind(),
            u.stats(),
            null,
            null,
            u.ranges(),
            u.partitions(),
            false,
            u.committedAt(),
            u.capturedAt(),
            null,
            "Iceberg refused the change's states: Must use DVs for position deletes in V3");
    TriggerState s = accept(t, accept(t, TriggerState.empty(T0), c, T0), omitted, T0);
    assertThat(s.pending()).hasSize(2);
    assertThat(s.pending().get(0).statesRefused()).isNull();
    assertThat(s.pending().get(1).statesRefused())
        .isEqualTo(
            "the change came without states: Iceberg refused the change's states: Must use DVs"
                + " for position deletes in V3");

    // Run alone, it says so in its input; run with others, the unions say so (IcdcUnionsTest).
    RunRequested run =
        Decider.decide(t, accept(t, TriggerState.empty(T0), omitted, T0), T0, false)
            .requests()
            .get(0);
    assertThat(run.inputs().get(0).icdc()).isNull();
    assertThat(run.inputs().get(0).statesOmitted()).isEqualTo(s.pending().get(1).statesRefused());
  }

  @Test
  void aChangeDeliveredTwiceCountsOnce() {
    TriggerDefined t = simple(Concurrency.sequential());
    ChangeCaptured c = append();
    TriggerState s = accept(t, accept(t, TriggerState.empty(T0), c, T0), c, T0);
    assertThat(s.pending()).hasSize(1);
  }

  @Test
  void allWaitsForEveryInput() {
    TriggerDefined t =
        trigger(
            List.of(TriggerInput.table(ORDERS), TriggerInput.table(CUSTOMERS)),
            TriggerCondition.ALL,
            null,
            Duration.ZERO,
            List.of(),
            Concurrency.sequential(),
            0);
    TriggerState s =
        accept(t, TriggerState.empty(T0), change("o1", ORDERS, ChangeKind.APPEND, null, null), T0);
    s = accept(t, s, change("o2", ORDERS, ChangeKind.APPEND, null, null), T0);
    Decider.Decision d = Decider.decide(t, s, T0.plusSeconds(60), false);
    assertThat(d.requests()).isEmpty();

    s =
        accept(
            t,
            d.state(),
            change("c1", CUSTOMERS, ChangeKind.APPEND, null, null),
            T0.plusSeconds(61));
    d = Decider.decide(t, s, T0.plusSeconds(61), false);
    assertThat(d.requests()).hasSize(1);
    assertThat(d.requests().get(0).inputs())
        .extracting(i -> i.table().name())
        .containsExactly("orders", "orders", "customers");
  }

  @Test
  void theQuietPeriodWaitsUntilChangesStopArriving() {
    TriggerDefined t =
        trigger(
            List.of(TriggerInput.capture("orders")),
            TriggerCondition.ANY,
            null,
            Duration.ofSeconds(30),
            List.of(),
            Concurrency.sequential(),
            0);
    TriggerState s = accept(t, TriggerState.empty(T0), append(), T0);
    s = accept(t, s, append(), T0.plusSeconds(20));
    assertThat(Decider.decide(t, s, T0.plusSeconds(40), false).requests()).isEmpty();
    Decider.Decision d = Decider.decide(t, s, T0.plusSeconds(50), false);
    assertThat(d.requests()).hasSize(1);
    assertThat(d.requests().get(0).inputs().get(0).snapshotRanges()).hasSize(2);
  }

  @Test
  void theMaximumDelayStartsARunWhateverElseWaits() {
    TriggerDefined t =
        trigger(
            List.of(TriggerInput.capture("orders")),
            TriggerCondition.ANY,
            Duration.ofMinutes(5),
            Duration.ofMinutes(2),
            List.of(),
            Concurrency.sequential(),
            1_000_000);
    TriggerState s = TriggerState.empty(T0);
    // A change every minute: the quiet period never passes, and the minimum is never reached.
    for (int minute = 0; minute < 4; minute++) {
      s = accept(t, s, append(), T0.plusSeconds(60L * minute));
      assertThat(Decider.decide(t, s, T0.plusSeconds(60L * minute + 30), false).requests())
          .isEmpty();
    }
    Decider.Decision d = Decider.decide(t, s, T0.plusSeconds(300), false);
    assertThat(d.requests()).hasSize(1);
    assertThat(d.requests().get(0).reason()).isEqualTo("max-delay");
  }

  @Test
  void theRangeFilterKeepsOnlyOverlappingChanges() {
    TriggerDefined t =
        trigger(
            List.of(TriggerInput.capture("orders")),
            TriggerCondition.ANY,
            null,
            Duration.ZERO,
            List.of(new RangeFilter("order_ts", "2026-11-01T00:00:00Z", "2026-11-30T23:59:59Z")),
            Concurrency.sequential(),
            0);
    TriggerState s = TriggerState.empty(T0);
    s =
        accept(
            t,
            s,
            change(
                "orders",
                ORDERS,
                ChangeKind.APPEND,
                "2026-10-01T00:00:00Z",
                "2026-10-31T10:00:00Z"),
            T0);
    s =
        accept(
            t,
            s,
            change(
                "orders",
                ORDERS,
                ChangeKind.APPEND,
                "2026-12-01T00:00:00.5Z",
                "2026-12-02T00:00:00Z"),
            T0);
    assertThat(s.pending()).isEmpty();
    s =
        accept(
            t,
            s,
            change(
                "orders",
                ORDERS,
                ChangeKind.APPEND,
                "2026-10-30T00:00:00Z",
                "2026-11-01T00:00:00Z"),
            T0);
    s = accept(t, s, change("orders", ORDERS, ChangeKind.APPEND, null, null), T0);
    assertThat(s.pending()).hasSize(2); // touching the bound, and a change of unknown range
  }

  @Test
  void compactionAndBackfillChangesDoNotCountByDefault() {
    TriggerDefined t = simple(Concurrency.sequential());
    TriggerState s =
        accept(
            t,
            TriggerState.empty(T0),
            change("orders", ORDERS, ChangeKind.REPLACE, null, null),
            T0);
    ChangeCaptured fromBackfill = append();
    fromBackfill =
        new ChangeCaptured(
            fromBackfill.captureId(),
            fromBackfill.table(),
            fromBackfill.tableUuid(),
            fromBackfill.range(),
            fromBackfill.kind(),
            fromBackfill.stats(),
            fromBackfill.icdc(),
            null,
            List.of(),
            List.of(),
            false,
            T0,
            T0,
            new BackfillTag("b1", "chunk-1"),
            null);
    s = accept(t, s, fromBackfill, T0);
    assertThat(s.pending()).isEmpty();
  }

  @Test
  void aBackfillThatAsksForPropagationRunsTriggersThatSuppressBackfills() {
    TriggerDefined t = simple(Concurrency.sequential());
    ChangeCaptured c = append();
    ChangeCaptured propagated =
        new ChangeCaptured(
            c.captureId(),
            c.table(),
            c.tableUuid(),
            c.range(),
            c.kind(),
            c.stats(),
            c.icdc(),
            null,
            List.of(),
            List.of(),
            false,
            T0,
            T0,
            new BackfillTag("b1", "chunk-1", true),
            null);
    TriggerState s = accept(t, TriggerState.empty(T0), propagated, T0);
    assertThat(s.pending()).hasSize(1);
  }

  @Test
  void sequentialRunsOneAtATimeAndKeepsEachBatchItsOwnRun() {
    TriggerDefined t = simple(Concurrency.sequential());
    TriggerState s = accept(t, TriggerState.empty(T0), append(), T0);
    Decider.Decision first = Decider.decide(t, s, T0, false);
    assertThat(first.requests()).hasSize(1);
    s = accept(t, first.state(), append(), T0.plusSeconds(1));
    Decider.Decision second = Decider.decide(t, s, T0.plusSeconds(1), false);
    s = accept(t, second.state(), append(), T0.plusSeconds(2));
    Decider.Decision third = Decider.decide(t, s, T0.plusSeconds(2), false);
    assertThat(second.requests()).isEmpty();
    assertThat(third.requests()).isEmpty();
    assertThat(third.state().runs()).hasSize(3); // one in flight, two queued

    TriggerState done = Decider.succeeded(third.state(), first.requests().get(0).runId());
    Decider.Decision next = Decider.decide(t, done, T0.plusSeconds(3), false);
    assertThat(next.requests()).hasSize(1);
    assertThat(next.requests().get(0).inputs().get(0).snapshotRanges()).hasSize(1);
  }

  @Test
  void latestOnlyFoldsWhatArrivedDuringARunIntoOneNextRun() {
    TriggerDefined t = simple(new Concurrency(Concurrency.Policy.LATEST_ONLY, 1));
    Decider.Decision first =
        Decider.decide(t, accept(t, TriggerState.empty(T0), append(), T0), T0, false);
    TriggerState s = first.state();
    for (int i = 1; i <= 3; i++) {
      s = accept(t, s, append(), T0.plusSeconds(i));
      Decider.Decision d = Decider.decide(t, s, T0.plusSeconds(i), false);
      assertThat(d.requests()).isEmpty();
      s = d.state();
    }
    assertThat(s.runs()).hasSize(1);
    Decider.Decision next =
        Decider.decide(
            t, Decider.succeeded(s, first.requests().get(0).runId()), T0.plusSeconds(5), false);
    assertThat(next.requests()).hasSize(1);
    assertThat(next.requests().get(0).inputs().get(0).snapshotRanges()).hasSize(3);
  }

  @Test
  void parallelRunsUpToItsLimitAtOnce() {
    TriggerDefined t = simple(new Concurrency(Concurrency.Policy.PARALLEL, 2));
    TriggerState s = TriggerState.empty(T0);
    List<RunRequested> launched = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      s = accept(t, s, append(), T0.plusSeconds(i));
      Decider.Decision d = Decider.decide(t, s, T0.plusSeconds(i), false);
      launched.addAll(d.requests());
      s = d.state();
    }
    assertThat(launched).hasSize(2);
    assertThat(launched).extracting(RunRequested::runId).doesNotHaveDuplicates();
    assertThat(s.pending()).hasSize(1);
    Decider.Decision d =
        Decider.decide(t, Decider.succeeded(s, launched.get(0).runId()), T0.plusSeconds(4), false);
    assertThat(d.requests()).hasSize(1);
  }

  @Test
  void aFailedRunIsRetriedThenFoldedIntoTheNextRunAndWatermarksMoveOnlyOnSuccess() {
    TriggerDefined t = simple(Concurrency.sequential()); // 2 attempts, 10 s back-off
    ChangeCaptured first = append();
    Decider.Decision d = Decider.decide(t, accept(t, TriggerState.empty(T0), first, T0), T0, false);
    String runId = d.requests().get(0).runId();

    TriggerState s = Decider.failed(t, d.state(), runId, 1, T0.plusSeconds(1), "HTTP 500");
    assertThat(Decider.decide(t, s, T0.plusSeconds(5), false).requests()).isEmpty();
    d = Decider.decide(t, s, T0.plusSeconds(11), false);
    assertThat(d.requests()).extracting(RunRequested::runId).containsExactly(runId);
    assertThat(d.requests().get(0).reason()).isEqualTo("retry");
    assertThat(d.requests().get(0).attempt()).isEqualTo(2);

    s = Decider.failed(t, d.state(), runId, 2, T0.plusSeconds(12), "HTTP 500");
    assertThat(s.runs()).isEmpty();
    assertThat(s.pending()).extracting(PendingChange::changeId).hasSize(1);
    assertThat(s.watermarks()).isEmpty();

    // Given up: nothing starts again before one more back-off (10 s x 2^2) has passed, even
    // with a new change; then one run carries both.
    ChangeCaptured second = append();
    s = accept(t, s, second, T0.plusSeconds(13));
    assertThat(Decider.decide(t, s, T0.plusSeconds(30), false).requests()).isEmpty();
    d = Decider.decide(t, s, T0.plusSeconds(52), false);
    RunRequested next = d.requests().get(0);
    assertThat(next.runId()).isNotEqualTo(runId);
    assertThat(next.inputs().get(0).snapshotRanges())
        .containsExactly(first.range(), second.range());
    TriggerState after = Decider.succeeded(d.state(), next.runId());
    assertThat(after.watermarks()).containsEntry("capture:orders", second.range().toSnapshotId());
  }

  @Test
  void anAttemptPastItsTimeoutFailsAndAStaleReportIsIgnored() {
    TriggerDefined t = simple(Concurrency.sequential());
    Decider.Decision d =
        Decider.decide(t, accept(t, TriggerState.empty(T0), append(), T0), T0, false);
    String runId = d.requests().get(0).runId();
    Decider.Decision late = Decider.decide(t, d.state(), T0.plus(Duration.ofMinutes(30)), false);
    assertThat(late.state().runs().get(0).attempt()).isEqualTo(2);
    assertThat(late.state().recent()).anyMatch(r -> r.contains("timed out"));
    // The first attempt's own failure arrives afterwards: it changes nothing.
    assertThat(Decider.failed(t, late.state(), runId, 1, T0.plus(Duration.ofMinutes(31)), "late"))
        .isEqualTo(late.state());
  }

  @Test
  void aRunAskedForByHandStartsWhatIsPendingReadyOrNot() {
    TriggerDefined t =
        trigger(
            List.of(TriggerInput.capture("orders")),
            TriggerCondition.ANY,
            null,
            Duration.ofHours(1),
            List.of(),
            Concurrency.sequential(),
            0);
    assertThat(Decider.decide(t, TriggerState.empty(T0), T0, true).requests()).isEmpty();
    TriggerState s = accept(t, TriggerState.empty(T0), append(), T0);
    assertThat(Decider.decide(t, s, T0.plusSeconds(1), false).requests()).isEmpty();
    Decider.Decision d = Decider.decide(t, s, T0.plusSeconds(1), true);
    assertThat(d.requests()).extracting(RunRequested::reason).containsExactly("manual");
  }

  @Test
  void aTimedOutAttemptIsReportedAsAFailureOfKindTimeout() {
    TriggerDefined t = simple(Concurrency.sequential());
    Decider.Decision d =
        Decider.decide(t, accept(t, TriggerState.empty(T0), append(), T0), T0, false);
    assertThat(d.timedOut()).isEmpty();
    Decider.Decision late = Decider.decide(t, d.state(), T0.plus(Duration.ofMinutes(30)), false);
    assertThat(late.timedOut())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.runId()).isEqualTo(d.requests().get(0).runId());
              assertThat(f.attempt()).isEqualTo(1);
              assertThat(f.errorKind())
                  .isEqualTo(dev.floe.contracts.event.RunFailed.ErrorKind.TIMEOUT);
            });
  }

  @Test
  void aPausedTriggerCollectsChangesAndStartsNothing() {
    TriggerDefined running = simple(Concurrency.sequential());
    TriggerDefined paused =
        new TriggerDefined(
            "t",
            running.inputs(),
            running.condition(),
            0,
            1,
            null,
            Duration.ZERO,
            List.of(),
            running.changeKinds(),
            false,
            running.concurrency(),
            running.retry(),
            running.runTimeout(),
            running.launcher(),
            true,
            null,
            "test",
            T0);
    TriggerState s = accept(paused, TriggerState.empty(T0), append(), T0);
    assertThat(Decider.decide(paused, s, T0, false).requests()).isEmpty();
    assertThat(Decider.decide(running, s, T0, false).requests()).hasSize(1);
  }

  @Test
  void runIdsAreUniqueAcrossARedefinedTrigger() {
    TriggerDefined t = simple(Concurrency.sequential());
    String a =
        Decider.decide(t, accept(t, TriggerState.empty(T0), append(), T0), T0, false)
            .requests()
            .get(0)
            .runId();
    String b =
        Decider.decide(t, accept(t, TriggerState.empty(T0.plusSeconds(1)), append(), T0), T0, false)
            .requests()
            .get(0)
            .runId();
    assertThat(a).isNotEqualTo(b);
  }

  private ChangeLost lostChange(String capture, TableRef table) {
    long s = ++snapshot;
    return new ChangeLost(
        capture, table, "uuid", "main", s, s - 1, T0.minusSeconds(60), "expired", T0);
  }

  private static TriggerState lose(TriggerDefined t, TriggerState s, ChangeLost l, Instant at) {
    return Decider.lost(t, s, "ChangeLost:" + l.captureId() + "/" + l.snapshotId(), l, at);
  }

  private static TriggerDefined onLost(TriggerDefined t, OnLost onLost) {
    return new TriggerDefined(
        t.triggerId(),
        t.inputs(),
        t.condition(),
        t.minRecords(),
        t.minChangeSets(),
        t.maxDelay(),
        t.quietPeriod(),
        t.rangeFilters(),
        t.changeKinds(),
        t.propagateBackfills(),
        t.concurrency(),
        t.retry(),
        t.runTimeout(),
        t.launcher(),
        t.paused(),
        onLost,
        t.definedBy(),
        t.definedAt());
  }

  @Test
  void aRunAskedForNowRecordsWhoAskedWhenTheCommandSays() {
    TriggerState s = accept(simple(Concurrency.sequential()), TriggerState.empty(T0), append(), T0);
    assertThat(Decider.runNow(s, null)).isSameAs(s);
    assertThat(Decider.runNow(s, "alice").recent())
        .last()
        .asString()
        .contains("run requested now by alice");
  }

  @Test
  void aLostChangeHoldsTheTriggerUntilResumedAndTheNextRunListsIt() {
    TriggerDefined t = simple(Concurrency.sequential());
    ChangeLost lost = lostChange("orders", ORDERS);
    TriggerState s = lose(t, TriggerState.empty(T0), lost, T0);
    assertThat(s.hold()).isEqualTo(new Hold(Hold.CHANGE_LOST, T0));
    assertThat(lose(t, s, lost, T0)).as("a lost change seen before").isEqualTo(s);

    s = accept(t, s, append(), T0);
    Decider.Decision held = Decider.decide(t, s, T0.plusSeconds(60), false);
    assertThat(held.requests()).as("no run while held").isEmpty();
    assertThat(Decider.decide(t, s, T0, true).requests()).as("nor by hand").isEmpty();

    s = Decider.resume(held.state(), "ops");
    assertThat(s.hold()).isNull();
    assertThat(s.recent()).last().asString().contains("resumed by ops");
    Decider.Decision d = Decider.decide(t, s, T0.plusSeconds(61), false);
    assertThat(d.requests()).hasSize(1);
    RunInput input = d.requests().get(0).inputs().get(0);
    assertThat(input.snapshotRanges()).hasSize(1);
    assertThat(input.lost())
        .containsExactly(
            new LostChange(
                lost.snapshotId(),
                lost.parentSnapshotId(),
                lost.committedAt(),
                "expired",
                "ChangeLost:orders/" + lost.snapshotId(),
                lost.sequenceNumber(),
                lost.operation(),
                lost.branch()));
    assertThat(d.state().lost()).as("listed once").isEmpty();
  }

  @Test
  void aRunFormedBeforeTheHoldStillLaunches() {
    TriggerDefined t = simple(Concurrency.sequential());
    TriggerState s = accept(t, TriggerState.empty(T0), append(), T0);
    Decider.Decision first = Decider.decide(t, s, T0, false);
    s = accept(t, first.state(), append(), T0);
    s = Decider.decide(t, s, T0, false).state();
    assertThat(s.runs()).as("one in flight, one queued").hasSize(2);
    s = lose(t, s, lostChange("orders", ORDERS), T0);
    s = Decider.succeeded(s, first.requests().get(0).runId());
    Decider.Decision next = Decider.decide(t, s, T0, false);
    assertThat(next.requests()).as("the queued run, formed before the loss").hasSize(1);
    assertThat(next.requests().get(0).inputs().get(0).lost()).isEmpty();
    assertThat(next.state().lost()).as("for the run after the resume").hasSize(1);
  }

  @Test
  void onLostContinueListsTheLostChangeWithoutHolding() {
    TriggerDefined t = onLost(simple(Concurrency.sequential()), OnLost.CONTINUE);
    TriggerState s = lose(t, TriggerState.empty(T0), lostChange("orders", ORDERS), T0);
    assertThat(s.hold()).isNull();
    s = accept(t, s, append(), T0);
    Decider.Decision d = Decider.decide(t, s, T0, false);
    assertThat(d.requests()).hasSize(1);
    assertThat(d.requests().get(0).inputs().get(0).lost()).hasSize(1);
  }

  @Test
  void aRunGivenUpGivesItsLostChangesBackToTheNextRun() {
    TriggerDefined t = onLost(simple(Concurrency.sequential()), OnLost.CONTINUE);
    TriggerState s = lose(t, TriggerState.empty(T0), lostChange("orders", ORDERS), T0);
    s = accept(t, s, append(), T0);
    Decider.Decision first = Decider.decide(t, s, T0, false);
    String runId = first.requests().get(0).runId();
    s = Decider.failed(t, first.state(), runId, 1, T0, "permanent: bad", false);
    assertThat(s.lost()).as("back with the run's changes").hasSize(1);
    s = accept(t, s, append(), T0.plus(Duration.ofHours(1)));
    Decider.Decision again = Decider.decide(t, s, T0.plus(Duration.ofHours(1)), false);
    assertThat(again.requests()).hasSize(1);
    assertThat(again.requests().get(0).inputs().get(0).lost()).hasSize(1);
  }

  @Test
  void aLostChangeOfACaptureWithoutChangesInTheRunGetsAnInputOfItsOwn() {
    TriggerDefined t =
        onLost(
            trigger(
                List.of(TriggerInput.capture("orders"), TriggerInput.capture("customers")),
                TriggerCondition.ANY,
                null,
                Duration.ZERO,
                List.of(),
                Concurrency.sequential(),
                0),
            OnLost.CONTINUE);
    TriggerState s = lose(t, TriggerState.empty(T0), lostChange("customers", CUSTOMERS), T0);
    s = accept(t, s, append(), T0);
    List<RunInput> inputs = Decider.decide(t, s, T0, false).requests().get(0).inputs();
    assertThat(inputs).extracting(RunInput::captureId).containsExactly("orders", "customers");
    assertThat(inputs.get(0).lost()).isEmpty();
    assertThat(inputs.get(1).snapshotRanges()).isEmpty();
    assertThat(inputs.get(1).lost()).hasSize(1);
  }

  @Test
  void aLostChangeOfAnotherCaptureIsIgnored() {
    TriggerDefined t = simple(Concurrency.sequential());
    TriggerState s = lose(t, TriggerState.empty(T0), lostChange("other", CUSTOMERS), T0);
    assertThat(s.hold()).isNull();
    assertThat(s.lost()).isEmpty();
  }
}
