package dev.floe.backfill.run;

import dev.floe.broker.JsonSerde;
import dev.floe.broker.StreamsDeadLetters;
import dev.floe.contracts.codec.CloudEventHeaders;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.BackfillCancelled;
import dev.floe.contracts.event.BackfillChunksPlanned;
import dev.floe.contracts.event.BackfillEvent;
import dev.floe.contracts.event.BackfillPaused;
import dev.floe.contracts.event.BackfillPlanned;
import dev.floe.contracts.event.BackfillResumed;
import dev.floe.contracts.event.BackfillRetried;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.RunEvent;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.model.ChunkRuns;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.jboss.logging.Logger;

/**
 * The backfill decision core, on Kafka Streams: the outcomes of chunk runs are routed from {@code
 * floe.runs} to the service's inbox, keyed by backfill, where they meet the operators' commands;
 * each backfill's state lives in a logged store. Under {@code exactly_once_v2} a state change, the
 * lifecycle events it publishes and the runs it requests are committed together: a chunk attempt is
 * requested exactly once, even when an instance dies mid-way.
 */
public final class BackfillTopology {
  public static final String STATE = "backfill-state";

  /** Each backfill's chunks, one key per chunk: {@link #chunkKey}. */
  public static final String CHUNKS = "backfill-chunks";

  /** The open backfills and the ended ones by when they ended: {@link BackfillStore}. */
  static final String INDEX = "backfill-index";

  /** On a create command in the inbox: the webhook validation's URL, kept out of every event. */
  public static final String VALIDATION_URL = "floe-validation-url";

  /** The plan's own id, on each inbox record of a plan: {@link BackfillState#planId}. */
  public static final String PLAN_ID = "floe-plan-id";

  /** The most chunks a plan may announce; more is a malformed command. */
  static final int MOST_CHUNKS = 1_000_000;

  /** Who asked for a command, on command records. */
  public static final String PRINCIPAL = "floe-principal";

  /** An operator's reason, on command records. */
  public static final String REASON = "floe-reason";

  public static final String SERVICE = "backfill-service";

  static final String MISSING_KEY_OR_VALUE = "missing-key-or-value";
  static final String INVALID_PLAN = "invalid-plan";
  static final String UNKNOWN_BACKFILL = "unknown-backfill";
  static final String ANOTHER_PLAN = "another-plan";
  static final String PAGE_OUT_OF_TURN = "page-out-of-turn";

  /** Why the inbox dead-letters a record, besides an event that does not decode. */
  public static final List<String> DEAD_LETTER_REASONS =
      List.of(MISSING_KEY_OR_VALUE, INVALID_PLAN, UNKNOWN_BACKFILL, ANOTHER_PLAN, PAGE_OUT_OF_TURN);

  /** How often the backfills whose chunks wait for their check are looked at. */
  static final Duration CHECKS = Duration.ofMillis(200);

  private static final Logger LOG = Logger.getLogger(BackfillTopology.class);

  /**
   * @param runs {@code floe.runs}: chunk outcomes read, chunk runs requested
   * @param inbox commands and routed run outcomes, keyed by backfill
   * @param backfills {@code floe.backfills}: lifecycle events written
   * @param deadLetters where undecodable input goes, with its reason
   * @param tick how often running chunks are checked for timeouts
   * @param retention how long an ended backfill is kept
   */
  public record Topics(
      String runs,
      String inbox,
      String backfills,
      String deadLetters,
      Duration tick,
      Duration retention) {}

  private BackfillTopology() {}

  /**
   * @param observer sees every payload published, for metrics; called on the stream thread
   */
  public static Topology build(
      Topics topics, BackfillMachine machine, BiConsumer<BackfillState, Payload> observer) {
    Topology topology = new Topology();
    topology.addSource(
        "runs", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), topics.runs());
    topology.addProcessor("route", Route::new, "runs");
    topology.addSink(
        "to-inbox",
        topics.inbox(),
        Serdes.String().serializer(),
        Serdes.ByteArray().serializer(),
        "route");

    topology.addSource(
        "inbox", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), topics.inbox());
    topology.addProcessor(
        "drive", () -> new Drive(machine, topics.tick(), topics.retention(), observer), "inbox");
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(STATE),
            Serdes.String(),
            new JsonSerde<>(BackfillState.class)),
        "drive");
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(CHUNKS),
            Serdes.String(),
            new JsonSerde<>(BackfillState.Chunk.class)),
        "drive");
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(INDEX), Serdes.String(), Serdes.String()),
        "drive");
    topology.addSink(
        "events",
        topics.backfills(),
        Serdes.String().serializer(),
        Serdes.ByteArray().serializer(),
        "drive");
    topology.addSink(
        "requests",
        topics.runs(),
        Serdes.String().serializer(),
        Serdes.ByteArray().serializer(),
        "drive");
    topology.addSink(
        "dead-letters",
        topics.deadLetters(),
        Serdes.String().serializer(),
        Serdes.ByteArray().serializer(),
        "drive");
    return topology;
  }

  /**
   * Sends the outcome of each chunk run to the inbox, keyed by its backfill. What it can't read is
   * left to the trigger-service, which dead-letters undecodable records of {@code floe.runs}.
   */
  private static final class Route implements Processor<String, byte[], String, byte[]> {
    private ProcessorContext<String, byte[]> context;

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
      this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
      if (record.value() == null) {
        return;
      }
      Payload payload;
      try {
        payload = EventCodec.decode(record.value()).payload();
      } catch (EventDecodingException e) {
        return;
      }
      if (!(payload instanceof RunEvent run) || payload instanceof RunRequested) {
        return;
      }
      ChunkRuns.parse(run.runId())
          .ifPresent(chunk -> context.forward(record.withKey(chunk.backfillId()), "to-inbox"));
    }
  }

  /** Applies the rules to one partition's backfills. */
  private static final class Drive implements Processor<String, byte[], String, byte[]> {
    private final BackfillMachine machine;
    private final Duration tick;
    private final Duration retention;
    private final BiConsumer<BackfillState, Payload> observer;
    private final Set<String> checking = new HashSet<>();
    private ProcessorContext<String, byte[]> context;
    private BackfillStore store;

    Drive(
        BackfillMachine machine,
        Duration tick,
        Duration retention,
        BiConsumer<BackfillState, Payload> observer) {
      this.machine = machine;
      this.tick = tick;
      this.retention = retention;
      this.observer = observer;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
      this.context = context;
      this.store =
          new BackfillStore(
              context.getStateStore(STATE),
              context.getStateStore(CHUNKS),
              context.getStateStore(INDEX));
      context.schedule(tick, PunctuationType.WALL_CLOCK_TIME, this::tick);
      context.schedule(CHECKS, PunctuationType.WALL_CLOCK_TIME, this::checks);
    }

    /**
     * The backfills whose chunks wait for their check, looked at often: a check's answer ends its
     * chunk within a fraction of a second, not at the next tick. Kept in memory; the tick, which
     * reads every open backfill, finds them again after a restart.
     */
    private void checks(long wallClockMs) {
      Instant now = Instant.ofEpochMilli(wallClockMs);
      for (String id : List.copyOf(checking)) {
        BackfillState state = store.load(id);
        if (state == null || !ChunkChecks.waiting(state)) {
          checking.remove(id);
          continue;
        }
        List<Payload> out = new ArrayList<>();
        machine.checked(state, now, out);
        save(id, state, out, now);
      }
    }

    /** Stores and publishes what changed, and notes whether chunks wait for their check. */
    private void save(String id, BackfillState state, List<Payload> out, Instant now) {
      if (ChunkChecks.waiting(state)) {
        checking.add(id);
      } else {
        checking.remove(id);
      }
      if (!out.isEmpty()) {
        store.save(id, state);
        publish(state, out, now);
      }
    }

    @Override
    public void process(Record<String, byte[]> record) {
      if (record.key() == null || record.value() == null) {
        deadLetter(record, MISSING_KEY_OR_VALUE, "an inbox record needs a backfill id and a value");
        return;
      }
      Payload payload;
      try {
        payload = EventCodec.decode(record.value()).payload();
      } catch (EventDecodingException e) {
        deadLetter(record, e.reason().code(), e.getMessage());
        return;
      }
      Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
      BackfillState state = store.load(record.key());
      List<Payload> out = new ArrayList<>();
      String by = header(record.headers(), PRINCIPAL).orElse(null);
      String reason = header(record.headers(), REASON).orElse(null);
      if (payload instanceof BackfillPlanned planned) {
        if (state != null) {
          LOG.infof("backfill %s exists: a second create is ignored", record.key());
          return;
        }
        if (planned.totalChunks() > MOST_CHUNKS || !BackfillMachine.inTurn(planned.chunks(), 0)) {
          deadLetter(record, INVALID_PLAN, "chunks out of order, or more than " + MOST_CHUNKS);
          return;
        }
        state = machine.create(planned, now, out);
        state.validationUrl = header(record.headers(), VALIDATION_URL).orElse(null);
        state.planId = header(record.headers(), PLAN_ID).orElse(null);
      } else if (state == null) {
        if (!(payload instanceof RunEvent)) {
          deadLetter(record, UNKNOWN_BACKFILL, "no backfill " + record.key());
        }
        return;
      } else if (payload instanceof BackfillChunksPlanned page) {
        if (!java.util.Objects.equals(
            state.planId, header(record.headers(), PLAN_ID).orElse(null))) {
          deadLetter(
              record,
              ANOTHER_PLAN,
              "a page of plan "
                  + header(record.headers(), PLAN_ID).orElse("(none)")
                  + " of backfill "
                  + record.key()
                  + ", planned by "
                  + state.planId);
          return;
        }
        if (!machine.addChunks(state, page, now, out)) {
          deadLetter(
              record,
              PAGE_OUT_OF_TURN,
              "backfill "
                  + record.key()
                  + " holds "
                  + state.planned
                  + " of "
                  + state.chunkCount
                  + " chunks and is "
                  + state.status.wireName()
                  + ": the page does not come next");
          return;
        }
      } else if (payload instanceof RunEvent run) {
        if (machine.onRun(state, run, now, out) && out.isEmpty()) {
          store.save(record.key(), state); // a RunStarted records the job's id, publishing nothing
        }
      } else if (payload instanceof BackfillPaused) {
        machine.pause(state, by, reason, now, out);
      } else if (payload instanceof BackfillResumed) {
        machine.resume(state, by, reason, now, out);
      } else if (payload instanceof BackfillCancelled) {
        machine.cancel(state, by, reason, now, out);
      } else if (payload instanceof BackfillRetried) {
        machine.retry(state, by, now, out);
      } else {
        deadLetter(
            record,
            EventDecodingException.Reason.UNEXPECTED_TYPE.code(),
            payload.getClass().getSimpleName() + " is not a backfill command");
        return;
      }
      save(record.key(), state, out, now);
    }

    /** Looks at the open backfills, from the index, and forgets those ended long enough ago. */
    private void tick(long wallClockMs) {
      Instant now = Instant.ofEpochMilli(wallClockMs);
      // An ended backfill is forgotten once its chunk states have expired too: it can't be retried.
      store.forgetEndedBefore(now.minus(retention));
      for (String id : store.open()) {
        BackfillState state = store.load(id);
        if (state == null) {
          store.dropOpen(id);
          continue;
        }
        List<Payload> out = new ArrayList<>();
        machine.tick(state, now, out);
        save(id, state, out, now);
      }
    }

    private void publish(BackfillState state, List<Payload> out, Instant now) {
      for (Payload payload : out) {
        Event event = Event.of(payload, Event.sourceOf(SERVICE), now);
        Headers headers = new RecordHeaders();
        CloudEventHeaders.of(event)
            .forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        String sink = payload instanceof BackfillEvent ? "events" : "requests";
        context.forward(
            new Record<>(payload.key(), EventCodec.encode(event), now.toEpochMilli(), headers),
            sink);
        observer.accept(state, payload);
      }
    }

    private void deadLetter(Record<String, byte[]> record, String reason, String cause) {
      StreamsDeadLetters.forward(context, record, SERVICE, reason, cause, "dead-letters");
    }
  }

  /** A chunk's key in {@link #CHUNKS}: the backfill's id, then its index, so in run order. */
  public static String chunkKey(String backfillId, int index) {
    return backfillId + "/" + String.format("%08d", index);
  }

  private static Optional<String> header(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null
        ? Optional.empty()
        : Optional.of(new String(h.value(), StandardCharsets.UTF_8));
  }
}
