package dev.floe.trigger.decide;

import dev.floe.contracts.codec.CloudEventHeaders;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.CaptureConsumed;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.ChangeLost;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.RunCancelled;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.RunSucceeded;
import dev.floe.contracts.event.TriggerDefined;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Applies the {@link Decider} to one partition's triggers: to their changes and run outcomes as
 * they arrive, to a run-now command, and to the passing of time at each tick. A run whose union of
 * states takes long to form is stored as forming and requested at a later tick, once its states are
 * ready ({@link BackgroundUnions}); one whose states cannot be formed is failed at once, visibly;
 * one whose states stay unreachable is formed again at the next tick, and failed as refused after
 * {@link #UNAVAILABLE_LIMIT}.
 */
final class DecisionProcessor implements Processor<String, byte[], String, byte[]> {
  // The decision core logs under one category, the topology's.
  private static final Logger LOG = Logger.getLogger(TriggerTopology.class);

  /** How long a run's states may stay unreachable before the run is failed as refused. */
  static final Duration UNAVAILABLE_LIMIT = Duration.ofMinutes(10);

  static final String MISSING_KEY = "missing-key";
  static final String MISSING_VALUE = "missing-value";

  private final Duration tick;
  private final Unions unions;
  // When each run's states were first unreachable; on this instance, since its start.
  private final Map<String, Instant> unavailableSince = new HashMap<>();
  private ProcessorContext<String, byte[]> context;
  private KeyValueStore<String, TriggerDefined> definitions;
  private KeyValueStore<String, TriggerState> states;

  DecisionProcessor(Duration tick, Unions unions) {
    this.tick = tick;
    this.unions = unions;
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    this.definitions = context.getStateStore(TriggerTopology.DEFINITIONS);
    this.states = context.getStateStore(TriggerTopology.STATE);
    context.schedule(tick, PunctuationType.WALL_CLOCK_TIME, this::tick);
  }

  /**
   * A record without a key, or an event that does not decode, is dead-lettered whatever trigger it
   * names; a sound event for a trigger that is not defined (deleted, or not yet read) is ignored.
   */
  @Override
  public void process(Record<String, byte[]> record) {
    String triggerId = record.key();
    if (triggerId == null) {
      DeadLetterForwarder.forward(
          context, record, MISSING_KEY, "a record without a trigger id as its key");
      return;
    }
    TriggerDefined trigger = definitions.get(triggerId);
    Header command = record.headers().lastHeader(TriggerTopology.COMMAND);
    if (command != null) {
      String verb = new String(command.value(), StandardCharsets.UTF_8);
      if (trigger != null
          && (verb.equals(TriggerTopology.RUN_NOW)
              || verb.startsWith(TriggerTopology.RUN_NOW + ":"))) {
        Instant now = now();
        TriggerState state = stateOf(triggerId, now);
        TriggerState next = Decider.runNow(state, caller(verb, TriggerTopology.RUN_NOW));
        decide(trigger, next, now, states.get(triggerId) == null || !next.equals(state), true);
      } else if (trigger != null
          && (verb.equals(TriggerTopology.RESUME)
              || verb.startsWith(TriggerTopology.RESUME + ":"))) {
        Instant now = now();
        TriggerState state = stateOf(triggerId, now);
        TriggerState next = Decider.resume(state, caller(verb, TriggerTopology.RESUME));
        decide(trigger, next, now, !next.equals(state), false);
      }
      return;
    }
    if (record.value() == null) {
      DeadLetterForwarder.forward(context, record, MISSING_VALUE, "a record without an event");
      return;
    }
    Event event;
    try {
      event = EventCodec.decode(record.value());
    } catch (EventDecodingException e) {
      DeadLetterForwarder.forward(context, record, e.reason().code(), e.getMessage());
      return;
    }
    if (trigger == null) {
      return; // deleted, or not defined yet: its changes are not for a trigger any more
    }
    Instant now = now();
    TriggerState state = stateOf(triggerId, now);
    TriggerState next = state;
    if (event.payload() instanceof ChangeCaptured change) {
      next = Decider.accept(trigger, state, event.id(), change, now);
    } else if (event.payload() instanceof ChangeLost lost) {
      next = Decider.lost(trigger, state, event.id(), lost, now);
      if (!next.equals(state)) {
        TriggerTopology.lostChanges(triggerId).increment();
      }
    } else if (event.payload() instanceof RunSucceeded done) {
      next = Decider.succeeded(state, done.runId());
    } else if (event.payload() instanceof RunFailed failed && !failed.willRetry()) {
      // A failure its reporter retries by itself (an orchestrator's own retries) is not the
      // attempt's end; a permanent one is not retried here either, its changes fold at once.
      next =
          Decider.failed(
              trigger,
              state,
              failed.runId(),
              failed.attempt(),
              now,
              failed.errorKind().wireName() + ": " + failed.message(),
              failed.errorKind() != RunFailed.ErrorKind.PERMANENT);
    } else if (event.payload() instanceof RunCancelled cancelled) {
      next = Decider.cancelled(state, cancelled.runId());
    }
    decide(trigger, next, now, !next.equals(state), false);
  }

  /** Who sent a command, from its verb ({@code <verb>:<caller>}); null when it does not say. */
  private static String caller(String verb, String name) {
    return verb.length() > name.length() ? verb.substring(name.length() + 1) : null;
  }

  private void tick(long wallClockMs) {
    Instant now = Instant.ofEpochMilli(wallClockMs);
    // Runs no longer formed (paused, deleted, decided elsewhere) leave no entry behind.
    unavailableSince
        .values()
        .removeIf(
            since -> Duration.between(since, now).compareTo(UNAVAILABLE_LIMIT.multipliedBy(2)) > 0);
    List<KeyValue<String, TriggerState>> all = new ArrayList<>();
    try (KeyValueIterator<String, TriggerState> it = states.all()) {
      it.forEachRemaining(all::add);
    }
    for (KeyValue<String, TriggerState> entry : all) {
      TriggerDefined trigger = definitions.get(entry.key);
      if (trigger == null) {
        LOG.infof("trigger %s was deleted: its state is dropped", entry.key);
        states.delete(entry.key);
        // It reads no capture any more: it holds none of their pins.
        for (String capture : Consumption.keep(entry.value).keySet()) {
          context.forward(
              new Record<String, byte[]>(capture + "/" + entry.key, null, wallClockMs),
              TriggerTopology.CONSUMED);
        }
      } else {
        decide(trigger, entry.value, now, false, false);
      }
    }
  }

  private void decide(
      TriggerDefined trigger, TriggerState state, Instant now, boolean changed, boolean manual) {
    Decider.Decision decision = Decider.decide(trigger, state, now, manual);
    List<RunRequested> requests = new ArrayList<>();
    List<RunFailed> refused = new ArrayList<>();
    TriggerState decided = decision.state();
    // Runs requested earlier whose states were still forming come first, in the order asked.
    List<TriggerState.FormingRun> asked = new ArrayList<>(stillForming(decided, decided.forming()));
    decision
        .requests()
        .forEach(r -> asked.add(new TriggerState.FormingRun(r.runId(), r.attempt(), r.reason())));
    List<TriggerState.FormingRun> forming = new ArrayList<>();
    for (TriggerState.FormingRun run : asked) {
      RunRequested request = requestOf(trigger, decided, run);
      try {
        requests.add(unions.complete(request, changesOf(decided, run.runId())));
        unavailableSince.remove(run.runId());
      } catch (Unions.Forming e) {
        forming.add(run);
      } catch (Unions.Unavailable e) {
        Instant since = unavailableSince.computeIfAbsent(run.runId(), k -> now);
        if (Duration.between(since, now).compareTo(UNAVAILABLE_LIMIT) < 0) {
          // Nothing is decided: the same decision is taken again at the next tick.
          LOG.warnf(
              "trigger %s: %s; its runs are formed again shortly",
              trigger.triggerId(), e.getMessage());
          if (changed) {
            store(trigger, state, now);
          }
          return;
        }
        // Unavailable for too long to be an outage: given up as refused.
        unavailableSince.remove(run.runId());
        decided = refuse(trigger, decided, request, null, e.getMessage(), now, refused);
      } catch (Unions.Refused e) {
        decided = refuse(trigger, decided, request, e.captureId(), e.getMessage(), now, refused);
      }
    }
    decided = withForming(decided, stillForming(decided, forming));
    if (changed || !decided.equals(state)) {
      store(trigger, decided, now);
    }
    for (RunFailed failed : refused) {
      TriggerTopology.refusedRuns(trigger.triggerId()).increment();
      LOG.errorf(
          "trigger %s: run %s attempt %d failed, its states cannot be formed: %s",
          trigger.triggerId(), failed.runId(), failed.attempt(), failed.message());
      emit(failed, now, TriggerTopology.REQUESTS);
    }
    for (RunFailed timeout : decision.timedOut()) {
      emit(timeout, now, TriggerTopology.REQUESTS);
      LOG.warnf("run %s attempt %d timed out", timeout.runId(), timeout.attempt());
    }
    for (RunRequested request : requests) {
      emit(request, now, TriggerTopology.REQUESTS);
      LOG.infof(
          "trigger %s requests run %s (attempt %d, %s): %d change sets",
          trigger.triggerId(),
          request.runId(),
          request.attempt(),
          request.reason(),
          request.inputs().stream().mapToInt(i -> i.snapshotRanges().size()).sum());
    }
  }

  /** The run's request, as the decision that launched its attempt formed it. */
  private static RunRequested requestOf(
      TriggerDefined trigger, TriggerState state, TriggerState.FormingRun run) {
    RunSlot slot =
        state.runs().stream().filter(r -> r.runId().equals(run.runId())).findFirst().orElseThrow();
    return RunRequests.request(trigger, slot, run.reason());
  }

  /** Those of {@code runs} whose attempt is still the one in flight (not timed out, not ended). */
  private static List<TriggerState.FormingRun> stillForming(
      TriggerState state, List<TriggerState.FormingRun> runs) {
    return runs.stream()
        .filter(
            f ->
                state.runs().stream()
                    .anyMatch(
                        r ->
                            r.runId().equals(f.runId())
                                && r.attempt() == f.attempt()
                                && r.launchedAt() != null
                                && r.retryAt() == null))
        .toList();
  }

  private static TriggerState withForming(
      TriggerState state, List<TriggerState.FormingRun> forming) {
    if (forming.equals(state.forming())) {
      return state;
    }
    TriggerState.Builder next = state.edit();
    for (TriggerState.FormingRun run : forming) {
      if (!state.forming().contains(run)) {
        next.record(run.runId() + " waits for its states, formed off the decision thread");
      }
    }
    next.forming.clear();
    next.forming.addAll(forming);
    return next.build();
  }

  /**
   * A run whose states cannot be formed fails now, visibly, and its changes fold into the next run
   * after the back-off, where the refused input's changes go without states instead of failing
   * again; the trigger's other runs go on.
   */
  private static TriggerState refuse(
      TriggerDefined trigger,
      TriggerState state,
      RunRequested request,
      String captureId,
      String why,
      Instant now,
      List<RunFailed> refused) {
    refused.add(
        new RunFailed(
            request.runId(),
            trigger.triggerId(),
            request.attempt(),
            RunFailed.ErrorKind.PERMANENT,
            why,
            false,
            null,
            now));
    return Decider.statesRefused(
        trigger, state, request.runId(), request.attempt(), captureId, now, why);
  }

  /**
   * Stores the trigger's state and, in the same transaction, what it still needs of each capture
   * where that changed ({@link Consumption}): the capture releases pins by it. A capture it no
   * longer needs anything of gets a tombstone.
   */
  private void store(TriggerDefined trigger, TriggerState decided, Instant now) {
    String triggerId = trigger.triggerId();
    TriggerState next = Consumption.prune(trigger, decided);
    TriggerState before = states.get(triggerId);
    states.put(triggerId, next);
    Map<String, List<Long>> was = before == null ? Map.of() : Consumption.keep(before);
    Map<String, List<Long>> is = Consumption.keep(next);
    is.forEach(
        (capture, keep) -> {
          if (!keep.equals(was.get(capture))) {
            emit(new CaptureConsumed(capture, triggerId, keep), now, TriggerTopology.CONSUMED);
          }
        });
    for (String capture : was.keySet()) {
      if (!is.containsKey(capture)) {
        context.forward(
            new Record<String, byte[]>(capture + "/" + triggerId, null, now.toEpochMilli()),
            TriggerTopology.CONSUMED);
      }
    }
  }

  private void emit(Payload payload, Instant now, String sink) {
    Event event = Event.of(payload, Event.sourceOf("trigger-service"), now);
    Headers headers = new RecordHeaders();
    CloudEventHeaders.of(event)
        .forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
    context.forward(
        new Record<>(payload.key(), EventCodec.encode(event), now.toEpochMilli(), headers), sink);
  }

  private static List<PendingChange> changesOf(TriggerState state, String runId) {
    return state.runs().stream()
        .filter(r -> r.runId().equals(runId))
        .findFirst()
        .map(RunSlot::changes)
        .orElse(List.of());
  }

  private TriggerState stateOf(String triggerId, Instant now) {
    TriggerState state = states.get(triggerId);
    return state == null ? TriggerState.empty(now) : state;
  }

  private Instant now() {
    return Instant.ofEpochMilli(context.currentSystemTimeMs());
  }
}
