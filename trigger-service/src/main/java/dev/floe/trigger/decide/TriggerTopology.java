package dev.floe.trigger.decide;

import dev.floe.broker.DeadLetters;
import dev.floe.broker.JsonSerde;
import dev.floe.contracts.codec.CloudEventHeaders;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.RunCancelled;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.RunSucceeded;
import dev.floe.contracts.event.TriggerDefined;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.jboss.logging.Logger;

/**
 * The decision core on Kafka Streams. Trigger definitions are a global store, so every instance can
 * tell which triggers a change feeds; each change is re-keyed by trigger id onto {@code
 * changesByTrigger}, and one processor per trigger partition applies the {@link Decider} to the
 * changes, to the run outcomes on {@code floe.runs}, and to the passing of time (a wall-clock
 * punctuation), with the trigger's state in a logged store. Under {@code exactly_once_v2} a state
 * change and the runs it requests are committed together, so a run id is requested once.
 */
public final class TriggerTopology {
  public static final String DEFINITIONS = "trigger-definitions";
  public static final String STATE = "trigger-state";

  /**
   * A header that makes a record on the re-keyed changes topic a command, not a change: {@link
   * #RUN_NOW} asks for a run of the trigger's pending changes now, ready or not.
   */
  public static final String COMMAND = "floe-command";

  public static final String RUN_NOW = "run-now";
  private static final Logger LOG = Logger.getLogger(TriggerTopology.class);

  /**
   * @param changes {@code floe.changes}, read
   * @param runs {@code floe.runs}: outcomes read, requests written
   * @param triggers {@code floe.triggers}, read into the global store
   * @param changesByTrigger changes re-keyed by trigger id; as many partitions as {@code runs}
   * @param deadLetters where undecodable input goes, with its reason
   * @param tick how often time is looked at: quiet periods, delays, retries and timeouts
   */
  public record Topics(
      String changes,
      String runs,
      String triggers,
      String changesByTrigger,
      String deadLetters,
      Duration tick) {}

  private TriggerTopology() {}

  /**
   * Runs of {@code triggerId} failed at once because their ICDC states cannot be formed; counted
   * here, and registered at 0 by the status gauges for every trigger an instance decides.
   */
  public static Counter refusedRuns(String triggerId) {
    return Metrics.counter("floe.trigger.runs.refused", "trigger", triggerId);
  }

  /** The topology without ICDC unions: for tests of the rules alone. */
  public static Topology build(Topics topics) {
    return build(topics, Unions.NONE);
  }

  /**
   * @param unions commits the union state of a run of several change sets
   */
  public static Topology build(Topics topics, Unions unions) {
    Topology topology = new Topology();
    topology.addGlobalStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(DEFINITIONS), Serdes.String(), new DefinitionSerde())
            .withLoggingDisabled(),
        "definitions",
        Serdes.String().deserializer(),
        Serdes.ByteArray().deserializer(),
        topics.triggers(),
        "definitions-loader",
        DefinitionsLoader::new);

    topology.addSource(
        "changes",
        Serdes.String().deserializer(),
        Serdes.ByteArray().deserializer(),
        topics.changes());
    topology.addProcessor("fan-out", FanOut::new, "changes");
    topology.addSink(
        "to-triggers",
        topics.changesByTrigger(),
        Serdes.String().serializer(),
        Serdes.ByteArray().serializer(),
        "fan-out");

    topology.addSource(
        "by-trigger",
        Serdes.String().deserializer(),
        Serdes.ByteArray().deserializer(),
        topics.changesByTrigger(),
        topics.runs());
    topology.addProcessor("decide", () -> new Decide(topics.tick(), unions), "by-trigger");
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(STATE),
            Serdes.String(),
            new JsonSerde<>(TriggerState.class)),
        "decide");
    topology.addSink(
        "requests",
        topics.runs(),
        Serdes.String().serializer(),
        Serdes.ByteArray().serializer(),
        "decide");
    topology.addSink(
        "dead-letters",
        topics.deadLetters(),
        Serdes.String().serializer(),
        Serdes.ByteArray().serializer(),
        "fan-out",
        "decide");
    return topology;
  }

  /**
   * Keeps the global store in step with {@code floe.triggers}, at start-up (Kafka Streams replays
   * the topic through this processor) and after. A tombstone deletes a trigger; a record that does
   * not decode as a {@code TriggerDefined} (malformed, an unknown version, another type) is
   * skipped, logged and counted, and the trigger keeps its last good definition: a poison record
   * must not delete a trigger and drop the changes it was owed.
   */
  private static final class DefinitionsLoader implements Processor<String, byte[], Void, Void> {
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, TriggerDefined> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      this.context = context;
      store = context.getStateStore(DEFINITIONS);
    }

    @Override
    public void process(Record<String, byte[]> record) {
      if (record.key() == null) {
        skip(record, "no key");
        return;
      }
      if (record.value() == null) {
        store.delete(record.key());
        return;
      }
      Payload payload;
      try {
        payload = EventCodec.decode(record.value()).payload();
      } catch (EventDecodingException e) {
        skip(record, e.reason().code() + ": " + e.getMessage());
        return;
      }
      if (payload instanceof TriggerDefined defined && defined.triggerId().equals(record.key())) {
        store.put(record.key(), defined);
      } else {
        skip(record, "not a TriggerDefined of trigger " + record.key());
      }
    }

    private void skip(Record<String, byte[]> record, String why) {
      String where =
          context
              .recordMetadata()
              .map(m -> m.topic() + "-" + m.partition() + "@" + m.offset())
              .orElse("floe.triggers");
      LOG.warnf(
          "trigger definition %s at %s skipped, the last good one stays: %s",
          record.key(), where, why);
      Metrics.counter("floe.trigger.invalid.definitions").increment();
    }
  }

  /** Sends each change to every trigger it feeds, keyed by trigger id. */
  private static final class FanOut implements Processor<String, byte[], String, byte[]> {
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, TriggerDefined> definitions;

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
      this.context = context;
      this.definitions = context.getStateStore(DEFINITIONS);
    }

    @Override
    public void process(Record<String, byte[]> record) {
      if (record.value() == null) {
        return;
      }
      ChangeCaptured change;
      try {
        if (!(EventCodec.decode(record.value()).payload() instanceof ChangeCaptured c)) {
          return;
        }
        change = c;
      } catch (EventDecodingException e) {
        deadLetter(context, record, e.reason().code(), e.getMessage());
        return;
      }
      try (KeyValueIterator<String, TriggerDefined> all = definitions.all()) {
        while (all.hasNext()) {
          TriggerDefined trigger = all.next().value;
          if (trigger != null
              && trigger.inputs().stream()
                  .anyMatch(i -> i.matches(change.captureId(), change.table()))) {
            Record<String, byte[]> keyed = record.withKey(trigger.triggerId());
            keyed.headers().remove(COMMAND); // a change is never a command
            context.forward(keyed, "to-triggers");
          }
        }
      }
    }
  }

  /** Applies the rules to one partition's triggers. */
  private static final class Decide implements Processor<String, byte[], String, byte[]> {
    /** How long a run's states may stay unreachable before the run is failed as refused. */
    static final Duration UNAVAILABLE_LIMIT = Duration.ofMinutes(10);

    private final Duration tick;
    private final Unions unions;
    // When each run's states were first unreachable; on this instance, since its start.
    private final Map<String, Instant> unavailableSince = new HashMap<>();
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, TriggerDefined> definitions;
    private KeyValueStore<String, TriggerState> states;

    Decide(Duration tick, Unions unions) {
      this.tick = tick;
      this.unions = unions;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
      this.context = context;
      this.definitions = context.getStateStore(DEFINITIONS);
      this.states = context.getStateStore(STATE);
      context.schedule(tick, PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    /**
     * A record without a key, or an event that does not decode, is dead-lettered whatever trigger
     * it names; a sound event for a trigger that is not defined (deleted, or not yet read) is
     * ignored.
     */
    @Override
    public void process(Record<String, byte[]> record) {
      String triggerId = record.key();
      if (triggerId == null) {
        deadLetter(context, record, "missing-key", "a record without a trigger id as its key");
        return;
      }
      TriggerDefined trigger = definitions.get(triggerId);
      Header command = record.headers().lastHeader(COMMAND);
      if (command != null && RUN_NOW.equals(new String(command.value(), StandardCharsets.UTF_8))) {
        if (trigger != null) {
          Instant now = now();
          decide(trigger, stateOf(triggerId, now), now, states.get(triggerId) == null, true);
        }
        return;
      }
      if (record.value() == null) {
        deadLetter(context, record, "missing-value", "a record without an event");
        return;
      }
      Event event;
      try {
        event = EventCodec.decode(record.value());
      } catch (EventDecodingException e) {
        deadLetter(context, record, e.reason().code(), e.getMessage());
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

    private void tick(long wallClockMs) {
      Instant now = Instant.ofEpochMilli(wallClockMs);
      // Runs no longer formed (paused, deleted, decided elsewhere) leave no entry behind.
      unavailableSince
          .values()
          .removeIf(
              since ->
                  Duration.between(since, now).compareTo(UNAVAILABLE_LIMIT.multipliedBy(2)) > 0);
      List<KeyValue<String, TriggerState>> all = new ArrayList<>();
      try (KeyValueIterator<String, TriggerState> it = states.all()) {
        it.forEachRemaining(all::add);
      }
      for (KeyValue<String, TriggerState> entry : all) {
        TriggerDefined trigger = definitions.get(entry.key);
        if (trigger == null) {
          LOG.infof("trigger %s was deleted: its state is dropped", entry.key);
          states.delete(entry.key);
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
      for (RunRequested request : decision.requests()) {
        try {
          requests.add(unions.complete(request, changesOf(decision.state(), request.runId())));
          unavailableSince.remove(request.runId());
        } catch (Unions.Unavailable e) {
          Instant since = unavailableSince.computeIfAbsent(request.runId(), k -> now);
          if (Duration.between(since, now).compareTo(UNAVAILABLE_LIMIT) < 0) {
            // Nothing is decided: the same decision is taken again at the next tick.
            LOG.warnf(
                "trigger %s: %s; its runs are formed again shortly",
                trigger.triggerId(), e.getMessage());
            if (changed) {
              states.put(trigger.triggerId(), state);
            }
            return;
          }
          // Unavailable for too long to be an outage: given up as refused.
          unavailableSince.remove(request.runId());
          decided = refuse(trigger, decided, request, null, e.getMessage(), now, refused);
        } catch (Unions.Refused e) {
          decided = refuse(trigger, decided, request, e.captureId(), e.getMessage(), now, refused);
        }
      }
      if (changed || !decided.equals(state)) {
        states.put(trigger.triggerId(), decided);
      }
      for (RunFailed failed : refused) {
        refusedRuns(trigger.triggerId()).increment();
        LOG.errorf(
            "trigger %s: run %s attempt %d failed, its states cannot be formed: %s",
            trigger.triggerId(), failed.runId(), failed.attempt(), failed.message());
        emit(failed.triggerId(), failed, now);
      }
      for (RunFailed timeout : decision.timedOut()) {
        emit(timeout.triggerId(), timeout, now);
        LOG.warnf("run %s attempt %d timed out", timeout.runId(), timeout.attempt());
      }
      for (RunRequested request : requests) {
        emit(request.triggerId(), request, now);
        LOG.infof(
            "trigger %s requests run %s (attempt %d, %s): %d change sets",
            trigger.triggerId(),
            request.runId(),
            request.attempt(),
            request.reason(),
            request.inputs().stream().mapToInt(i -> i.snapshotRanges().size()).sum());
      }
    }

    /**
     * A run whose states cannot be formed fails now, visibly, and its changes fold into the next
     * run after the back-off, where the refused input's changes go without states instead of
     * failing again; the trigger's other runs go on.
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

    private void emit(String triggerId, Payload payload, Instant now) {
      Event event = Event.of(payload, Event.sourceOf("trigger-service"), now);
      Headers headers = new RecordHeaders();
      CloudEventHeaders.of(event)
          .forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
      context.forward(
          new Record<>(triggerId, EventCodec.encode(event), now.toEpochMilli(), headers),
          "requests");
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

  private static void deadLetter(
      ProcessorContext<String, byte[]> context,
      Record<String, byte[]> record,
      String reason,
      String cause) {
    Optional<RecordMetadata> from = context.recordMetadata();
    Headers headers =
        DeadLetters.headers(
            "trigger-service",
            reason,
            cause,
            from.map(RecordMetadata::topic).orElse(null),
            from.map(RecordMetadata::partition).orElse(null),
            from.map(RecordMetadata::offset).orElse(null));
    LOG.warnf("dead-lettered a record (%s): %s", reason, cause);
    context.forward(
        new Record<>(
            record.key(), DeadLetters.fit(record.value(), headers), record.timestamp(), headers),
        "dead-letters");
  }
}
