package dev.floe.backfill.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.broker.JsonSerde;
import dev.floe.contracts.event.BackfillChunkValidated;
import dev.floe.contracts.event.BackfillCompleted;
import dev.floe.contracts.event.BackfillEvent;
import dev.floe.contracts.event.BackfillPlanned;
import dev.floe.contracts.event.BackfillRetried;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.RunStarted;
import dev.floe.contracts.event.RunSucceeded;
import dev.floe.contracts.model.BackfillSpec;
import dev.floe.contracts.model.ChunkPlan;
import dev.floe.contracts.model.ChunkRuns;
import dev.floe.contracts.model.ChunkState;
import dev.floe.contracts.model.RetryPolicy;
import dev.floe.contracts.model.TableRef;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class BackfillMachineTest {
  private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
  private static final TableRef TABLE = new TableRef("c", List.of("demo"), "orders");

  private final List<Payload> out = new ArrayList<>();
  private BackfillMachine machine = new BackfillMachine(ChunkValidator.NONE, Duration.ofHours(1));

  @Test
  void startsNoMoreChunksThanTheConcurrencyAndKeepsThePlannedOrder() {
    BackfillState s = create(5, 2);
    assertThat(requested()).extracting(r -> r.backfill().chunkId()).containsExactly("c0", "c1");
    assertThat(s.count(ChunkState.RUNNING)).isEqualTo(2);

    succeed(s, "c0");
    assertThat(requested()).extracting(r -> r.backfill().chunkId()).containsExactly("c2");
    succeed(s, "c1");
    succeed(s, "c2");
    succeed(s, "c3");
    assertThat(s.status).isEqualTo(BackfillStatus.RUNNING);
    succeed(s, "c4");
    assertThat(s.status).isEqualTo(BackfillStatus.COMPLETED);
    assertThat(completed().outcome()).isEqualTo("succeeded");
  }

  @Test
  void revisionsIncreaseByOnePerEvent() {
    BackfillState s = create(3, 3);
    succeed(s, "c0");
    succeed(s, "c1");
    succeed(s, "c2");
    List<Long> revisions =
        out.stream()
            .filter(p -> p instanceof BackfillEvent)
            .map(p -> ((BackfillEvent) p).revision())
            .toList();
    assertThat(revisions)
        .containsExactlyElementsOf(
            IntStream.rangeClosed(1, revisions.size()).mapToObj(i -> (long) i).toList());
    assertThat(out.get(0)).isInstanceOf(BackfillPlanned.class);
  }

  @Test
  void aFailedChunkFailsTheBackfillOnceEveryChunkEndedAndARetryRunsOnlyTheFailedOnes() {
    BackfillState s = create(4, 4);
    succeed(s, "c0");
    fail(s, "c1");
    succeed(s, "c2");
    assertThat(s.status).isEqualTo(BackfillStatus.RUNNING);
    fail(s, "c3");
    assertThat(s.status).isEqualTo(BackfillStatus.FAILED);
    assertThat(completed().outcome()).isEqualTo("failed");
    out.clear();

    assertThat(machine.retry(s, "ops", T0, out)).isTrue();
    assertThat(out.stream().filter(p -> p instanceof BackfillRetried).findFirst().orElseThrow())
        .extracting(p -> ((BackfillRetried) p).chunkIds())
        .isEqualTo(List.of("c1", "c3"));
    List<RunRequested> again = requested();
    assertThat(again).extracting(r -> r.backfill().chunkId()).containsExactly("c1", "c3");
    assertThat(again).extracting(RunRequested::runId).allMatch(id -> id.endsWith(".2"));
    succeed(s, "c1");
    succeed(s, "c3");
    assertThat(s.status).isEqualTo(BackfillStatus.COMPLETED);
  }

  @Test
  void aTransientFailureRunsTheChunkAgainAfterItsBackOffWhileLaterChunksGoOn() {
    BackfillState s = create(3, 1, new RetryPolicy(3, Duration.ofSeconds(10)));
    assertThat(requested()).extracting(r -> r.backfill().chunkId()).containsExactly("c0");

    failAt(s, "c0", RunFailed.ErrorKind.TRANSIENT, T0);
    BackfillState.Chunk c0 = s.chunk("c0");
    assertThat(c0.state).isEqualTo(ChunkState.PENDING);
    assertThat(c0.retryAt).isEqualTo(T0.plusSeconds(10));
    assertThat(c0.error).isEqualTo("transient: boom; attempt 2 of 3 after PT10S");
    // The waiting chunk leaves its slot to the next one.
    assertThat(requested()).extracting(r -> r.backfill().chunkId()).containsExactly("c1");

    succeed(s, "c1");
    // c0 still waits: c2 takes the slot.
    assertThat(requested()).extracting(r -> r.backfill().chunkId()).containsExactly("c2");
    machine.tick(s, T0.plusSeconds(9), out);
    assertThat(requested()).isEmpty();
    succeed(s, "c2");
    assertThat(requested()).isEmpty();
    machine.tick(s, T0.plusSeconds(10), out);
    List<RunRequested> again = requested();
    assertThat(again).extracting(RunRequested::runId).containsExactly("job.bf.c0.2");
    assertThat(again).extracting(RunRequested::attempt).containsExactly(2);

    succeed(s, "c0");
    assertThat(s.status).isEqualTo(BackfillStatus.COMPLETED);
    assertThat(completed().outcome()).isEqualTo("succeeded");
  }

  @Test
  void theBackOffDoublesAndTheChunkFailsWhenNoAttemptIsLeft() {
    BackfillState s = create(1, 1, new RetryPolicy(3, Duration.ofSeconds(10)));
    failAt(s, "c0", RunFailed.ErrorKind.TIMEOUT, T0);
    machine.tick(s, T0.plusSeconds(10), out);
    failAt(s, "c0", RunFailed.ErrorKind.TRANSIENT, T0.plusSeconds(11));
    assertThat(s.chunk("c0").retryAt).isEqualTo(T0.plusSeconds(31));
    machine.tick(s, T0.plusSeconds(31), out);
    assertThat(requested()).extracting(RunRequested::runId).last().isEqualTo("job.bf.c0.3");

    failAt(s, "c0", RunFailed.ErrorKind.TRANSIENT, T0.plusSeconds(40));
    assertThat(s.chunk("c0").state).isEqualTo(ChunkState.FAILED);
    assertThat(s.status).isEqualTo(BackfillStatus.FAILED);
  }

  @Test
  void aPermanentFailureIsNotRetried() {
    BackfillState s = create(2, 2, new RetryPolicy(3, Duration.ZERO));
    requested();
    failAt(s, "c0", RunFailed.ErrorKind.PERMANENT, T0);
    assertThat(s.chunk("c0").state).isEqualTo(ChunkState.FAILED);
    machine.tick(s, T0.plusSeconds(60), out);
    assertThat(requested()).isEmpty();
    succeed(s, "c1");
    assertThat(s.status).isEqualTo(BackfillStatus.FAILED);
  }

  @Test
  void aChunkWithoutAnOutcomeInTimeIsRetried() {
    BackfillState s = create(1, 1, new RetryPolicy(2, Duration.ZERO));
    requested();
    machine.tick(s, T0.plus(Duration.ofHours(1)).plusSeconds(1), out);
    assertThat(requested()).extracting(RunRequested::runId).containsExactly("job.bf.c0.2");
    assertThat(s.chunk("c0").state).isEqualTo(ChunkState.RUNNING);
  }

  @Test
  void anOperatorsRetryGivesTheFailedChunksAFreshSetOfAttempts() {
    BackfillState s = create(1, 1, new RetryPolicy(2, Duration.ZERO));
    failAt(s, "c0", RunFailed.ErrorKind.TRANSIENT, T0);
    failAt(s, "c0", RunFailed.ErrorKind.TRANSIENT, T0);
    assertThat(s.status).isEqualTo(BackfillStatus.FAILED);
    requested();

    assertThat(machine.retry(s, "ops", T0, out)).isTrue();
    assertThat(requested()).extracting(RunRequested::runId).containsExactly("job.bf.c0.3");
    failAt(s, "c0", RunFailed.ErrorKind.TRANSIENT, T0);
    assertThat(s.chunk("c0").state).isEqualTo(ChunkState.RUNNING);
    assertThat(requested()).extracting(RunRequested::runId).containsExactly("job.bf.c0.4");
  }

  @Test
  void aCancelledBackfillEndsWhenItsRunningChunkFailsTransientlyOrTimesOut() {
    BackfillState s = create(3, 2, new RetryPolicy(3, Duration.ofSeconds(10)));
    requested();
    assertThat(machine.cancel(s, "ops", null, T0, out)).isTrue();
    failAt(s, "c0", RunFailed.ErrorKind.TRANSIENT, T0);
    assertThat(s.chunk("c0").state).as("no retry while cancelling").isEqualTo(ChunkState.FAILED);
    machine.tick(s, T0.plus(Duration.ofHours(2)), out);
    assertThat(s.chunk("c1").state).isEqualTo(ChunkState.FAILED);
    assertThat(s.status).isEqualTo(BackfillStatus.CANCELLED);
    assertThat(requested()).isEmpty();
  }

  @Test
  void aChunkWaitingForItsRetryIsCancelledWithThePendingOnes() {
    BackfillState s = create(2, 1, new RetryPolicy(3, Duration.ofSeconds(10)));
    failAt(s, "c0", RunFailed.ErrorKind.TRANSIENT, T0);
    assertThat(s.chunk("c0").state).isEqualTo(ChunkState.PENDING);
    assertThat(machine.cancel(s, "ops", null, T0, out)).isTrue();
    assertThat(s.chunk("c0").state).isEqualTo(ChunkState.CANCELLED);
    succeed(s, "c1");
    assertThat(s.status).isEqualTo(BackfillStatus.CANCELLED);
  }

  @Test
  void anEventOfTheFailedAttemptChangesNothingOnceTheNextIsDue() {
    BackfillState s = create(1, 1, new RetryPolicy(3, Duration.ofSeconds(10)));
    String first = s.chunk("c0").runId;
    failAt(s, "c0", RunFailed.ErrorKind.TRANSIENT, T0);
    List<Payload> before = new ArrayList<>(out);
    assertThat(
            machine.onRun(
                s, new RunSucceeded(first, "job", 1, null, T0, 5), T0.plusSeconds(1), out))
        .isFalse();
    assertThat(out).isEqualTo(before);
    machine.tick(s, T0.plusSeconds(10), out);
    assertThat(
            machine.onRun(
                s, new RunSucceeded(first, "job", 1, null, T0, 5), T0.plusSeconds(11), out))
        .as("the first attempt's success, late, while the second runs")
        .isFalse();
    assertThat(s.chunk("c0").state).isEqualTo(ChunkState.RUNNING);
    assertThat(s.chunk("c0").attempt).isEqualTo(2);
  }

  @Test
  void aChunkDueForItsRetryWaitsWhileTheBackfillIsPaused() {
    BackfillState s = create(1, 1, new RetryPolicy(3, Duration.ofSeconds(10)));
    requested();
    failAt(s, "c0", RunFailed.ErrorKind.TRANSIENT, T0);
    assertThat(machine.pause(s, "ops", null, T0, out)).isTrue();
    machine.tick(s, T0.plusSeconds(30), out);
    assertThat(requested()).isEmpty();
    assertThat(machine.resume(s, "ops", null, T0.plusSeconds(31), out)).isTrue();
    assertThat(requested()).extracting(RunRequested::runId).containsExactly("job.bf.c0.2");
  }

  @Test
  void theBackOffIsCappedAtADay() {
    RetryPolicy retry = new RetryPolicy(40, Duration.ofHours(1));
    assertThat(ChunkRetries.backoff(retry, 1)).isEqualTo(Duration.ofHours(1));
    assertThat(ChunkRetries.backoff(retry, 3)).isEqualTo(Duration.ofHours(4));
    assertThat(ChunkRetries.backoff(retry, 39)).isEqualTo(BackfillMachine.MAX_BACKOFF);
  }

  @Test
  void pauseStopsNewChunksAndResumeGoesOn() {
    BackfillState s = create(3, 1);
    requested();
    assertThat(machine.pause(s, "ops", "window", T0, out)).isTrue();
    succeed(s, "c0");
    assertThat(requested()).isEmpty();
    assertThat(s.status).isEqualTo(BackfillStatus.PAUSED);
    assertThat(machine.resume(s, "ops", null, T0, out)).isTrue();
    assertThat(requested()).extracting(r -> r.backfill().chunkId()).containsExactly("c1");
  }

  @Test
  void cancelCancelsPendingChunksAndEndsWhenTheRunningOnesHave() {
    BackfillState s = create(4, 2);
    requested();
    assertThat(machine.cancel(s, "ops", "wrong range", T0, out)).isTrue();
    assertThat(s.status).isEqualTo(BackfillStatus.CANCELLING);
    assertThat(s.count(ChunkState.CANCELLED)).isEqualTo(2);
    succeed(s, "c0");
    assertThat(requested()).isEmpty();
    succeed(s, "c1");
    assertThat(s.status).isEqualTo(BackfillStatus.CANCELLED);
    assertThat(completed().outcome()).isEqualTo("cancelled");
    assertThat(machine.cancel(s, "ops", null, T0, out)).isFalse();
  }

  @Test
  void staleRunEventsChangeNothing() {
    BackfillState s = create(2, 2);
    out.clear();
    String otherAttempt = ChunkRuns.runId("job", "bf", "c0", 2);
    machine.onRun(s, new RunSucceeded(otherAttempt, "job", 1, null, T0, 1), T0, out);
    machine.onRun(
        s,
        new RunFailed(
            s.chunk("c0").runId, "job", 1, RunFailed.ErrorKind.TRANSIENT, "x", true, null, T0),
        T0,
        out);
    assertThat(out).isEmpty();
    assertThat(s.count(ChunkState.RUNNING)).isEqualTo(2);
    machine.onRun(
        s, new RunStarted(s.chunk("c0").runId, "job", 1, "webhook", "ext-1", T0), T0, out);
    assertThat(s.chunk("c0").externalRunId).isEqualTo("ext-1");
  }

  @Test
  void aChunkRunningPastTheTimeoutFails() {
    BackfillState s = create(1, 1);
    machine.tick(s, T0.plus(Duration.ofMinutes(30)), out);
    assertThat(s.chunk("c0").state).isEqualTo(ChunkState.RUNNING);
    machine.tick(s, T0.plus(Duration.ofHours(2)), out);
    assertThat(s.chunk("c0").state).isEqualTo(ChunkState.FAILED);
    assertThat(s.chunk("c0").error).startsWith("timeout");
    assertThat(s.status).isEqualTo(BackfillStatus.FAILED);
  }

  @Test
  void validationMakesAChunkValidatedOrInvalidWithItsNumbers() {
    machine =
        new BackfillMachine(
            (b, c) ->
                new BackfillState.Validation(
                    c.id().equals("c1") ? ChunkState.INVALID : ChunkState.VALIDATED,
                    "record-count",
                    c.plan.records(),
                    c.id().equals("c1") ? 7L : c.plan.records(),
                    0,
                    "checked"),
            Duration.ofHours(1));
    BackfillState s = create(2, 2);
    succeed(s, "c0");
    succeed(s, "c1");
    assertThat(s.chunk("c0").state).isEqualTo(ChunkState.VALIDATED);
    assertThat(s.chunk("c1").state).isEqualTo(ChunkState.INVALID);
    assertThat(s.status).isEqualTo(BackfillStatus.FAILED);
    List<BackfillChunkValidated> validated =
        out.stream()
            .filter(p -> p instanceof BackfillChunkValidated)
            .map(p -> (BackfillChunkValidated) p)
            .toList();
    assertThat(validated)
        .extracting(BackfillChunkValidated::actualRecords)
        .containsExactly(10L, 7L);
  }

  /**
   * A check that is still running elsewhere leaves its chunk validating and the backfill open,
   * while the other chunks go on; a tick applies the result once it is in.
   */
  @Test
  void aChunkWhoseCheckStillRunsKeepsTheBackfillOpenUntilATickAppliesIt() {
    java.util.concurrent.atomic.AtomicBoolean ready =
        new java.util.concurrent.atomic.AtomicBoolean();
    machine =
        new BackfillMachine(
            (b, c) -> {
              if (c.id().equals("c0") && !ready.get()) {
                throw new ChunkValidator.Pending("still checking");
              }
              return new BackfillState.Validation(
                  ChunkState.VALIDATED, "record-count", 10L, 10L, 0, "checked");
            },
            Duration.ofHours(1));
    BackfillState s = create(2, 1);
    succeed(s, "c0");
    BackfillState.Chunk c0 = s.chunk("c0");
    assertThat(c0.state).isEqualTo(ChunkState.SUCCEEDED);
    assertThat(c0.validating).isTrue();
    // The next chunk starts meanwhile, and ends validated.
    assertThat(requested()).extracting(r -> r.backfill().chunkId()).containsExactly("c0", "c1");
    succeed(s, "c1");
    assertThat(s.chunk("c1").state).isEqualTo(ChunkState.VALIDATED);
    assertThat(s.status).as("open while c0 is checked").isEqualTo(BackfillStatus.RUNNING);
    out.clear();
    machine.tick(s, T0.plusSeconds(5), out);
    assertThat(out).isEmpty(); // still checking: nothing changes
    BackfillState again = reread(s);
    machine.tick(again, T0.plusSeconds(6), out);
    assertThat(again.changed()).as("a check still running rewrites no chunk").isEmpty();

    ready.set(true);
    machine.tick(s, T0.plusSeconds(10), out);
    assertThat(c0.state).isEqualTo(ChunkState.VALIDATED);
    assertThat(c0.validating).isFalse();
    assertThat(out).filteredOn(p -> p instanceof BackfillChunkValidated).hasSize(1);
    assertThat(s.status).isEqualTo(BackfillStatus.COMPLETED);
    assertThat(completed().outcome()).isEqualTo("succeeded");
  }

  @Test
  void everyChunkAttemptIsRequestedOnceUnderItsOwnRunId() {
    BackfillState s = create(6, 3);
    Set<String> runIds = new HashSet<>();
    List<RunRequested> all = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      all.addAll(requested());
      succeed(s, "c" + i);
    }
    all.forEach(r -> runIds.add(r.runId()));
    assertThat(all).hasSize(6);
    assertThat(runIds).hasSize(6);
    assertThat(all).allMatch(r -> r.reason().equals("backfill") && r.inputs().size() == 1);
    assertThat(all).allMatch(r -> !r.backfill().propagate());
    assertThat(ChunkRuns.parse(all.get(0).runId()))
        .hasValue(new ChunkRuns.ChunkRun("job", "bf", "c0", 1));
  }

  /** A plan whose pages never all come is cancelled, and can't be retried into a partial run. */
  @Test
  void aPlanMissingPagesIsCancelledAfterItsTimeoutAndCantBeRetried() {
    BackfillPlanned whole = BackfillTopologyTest.plan("bf", 3, 1);
    BackfillState s =
        machine.create(
            new BackfillPlanned(
                "bf", 0, whole.spec(), whole.chunks().subList(0, 1), 30, 3, 300, "me", 3),
            T0,
            out);
    assertThat(s.status).isEqualTo(BackfillStatus.PLANNING);
    machine.tick(s, T0.plus(BackfillMachine.PLAN_TIMEOUT), out);
    assertThat(s.status).isEqualTo(BackfillStatus.PLANNING);
    assertThat(requested()).isEmpty();
    machine.tick(s, T0.plus(BackfillMachine.PLAN_TIMEOUT).plusSeconds(1), out);
    assertThat(s.status).isEqualTo(BackfillStatus.CANCELLED);
    assertThat(BackfillMachine.canRetry(s)).isFalse();
    assertThat(requested()).isEmpty();
    assertThat(s.chunk(0).error)
        .as("the chunk says why, not that an operator cancelled it")
        .isEqualTo("cancelled: the plan's pages did not all arrive within PT10M");
  }

  /** The state as the decision core reads it again from its stores. */
  private static BackfillState reread(BackfillState s) {
    JsonSerde<BackfillState> serde = new JsonSerde<>(BackfillState.class);
    java.util.Map<Integer, BackfillState.Chunk> stored = new java.util.HashMap<>();
    s.loaded().forEach(c -> stored.put(c.index(), c));
    return serde
        .deserializer()
        .deserialize("t", serde.serializer().serialize("t", s))
        .attach((id, i) -> stored.get(i));
  }

  private BackfillState create(int chunks, int concurrency) {
    return create(chunks, concurrency, null);
  }

  private BackfillState create(int chunks, int concurrency, RetryPolicy retry) {
    List<ChunkPlan> plans = new ArrayList<>();
    for (int i = 0; i < chunks; i++) {
      plans.add(new ChunkPlan("c" + i, i, List.of(), null, 1, 10, 100, null));
    }
    BackfillSpec spec =
        new BackfillSpec(
            TABLE,
            null,
            new BackfillSpec.Range(null, null, null, null, null, 42L, null, null),
            new BackfillSpec.Chunking("files", null, 1L, null),
            "job",
            concurrency,
            BackfillSpec.Order.OLDEST_FIRST,
            false,
            null,
            retry);
    return machine.create(
        new BackfillPlanned("bf", 0, spec, plans, chunks * 10L, chunks, chunks * 100L, "me"),
        T0,
        out);
  }

  private void succeed(BackfillState s, String chunk) {
    machine.onRun(s, new RunSucceeded(s.chunk(chunk).runId, "job", 1, null, T0, 5), T0, out);
  }

  private void fail(BackfillState s, String chunk) {
    machine.onRun(
        s,
        new RunFailed(
            s.chunk(chunk).runId, "job", 1, RunFailed.ErrorKind.PERMANENT, "boom", false, null, T0),
        T0,
        out);
    assertThat(s.chunk(chunk).state).isEqualTo(ChunkState.FAILED);
  }

  private void failAt(BackfillState s, String chunk, RunFailed.ErrorKind kind, Instant at) {
    BackfillState.Chunk c = s.chunk(chunk);
    machine.onRun(
        s, new RunFailed(c.runId, "job", c.attempt, kind, "boom", false, null, at), at, out);
  }

  /** The runs requested since the last call. */
  private List<RunRequested> requested() {
    List<RunRequested> runs =
        out.stream().filter(p -> p instanceof RunRequested).map(p -> (RunRequested) p).toList();
    out.removeIf(p -> p instanceof RunRequested);
    return runs;
  }

  private BackfillCompleted completed() {
    return out.stream()
        .filter(p -> p instanceof BackfillCompleted)
        .map(p -> (BackfillCompleted) p)
        .reduce((a, b) -> b)
        .orElseThrow();
  }
}
