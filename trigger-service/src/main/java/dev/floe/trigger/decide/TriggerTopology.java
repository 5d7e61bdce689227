package dev.floe.trigger.decide;

import dev.floe.broker.JsonSerde;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

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
   * #RUN_NOW} asks for a run of the trigger's pending changes now, ready or not; {@link #RESUME}
   * ends a hold. Either may be followed by {@code :} and who asked, which the trigger's history
   * records.
   */
  public static final String COMMAND = "floe-command";

  public static final String RUN_NOW = "run-now";
  public static final String RESUME = "resume";

  /** Why the decisions dead-letter a record, besides an event that does not decode. */
  public static final List<String> DEAD_LETTER_REASONS =
      List.of(DecisionProcessor.MISSING_KEY, DecisionProcessor.MISSING_VALUE);

  // The topology's sinks, which its processors forward to by name.
  static final String TO_TRIGGERS = "to-triggers";
  static final String REQUESTS = "requests";
  static final String DEAD_LETTERS = "dead-letters";
  static final String CONSUMED = "consumed";

  /**
   * @param changes {@code floe.changes}, read
   * @param runs {@code floe.runs}: outcomes read, requests written
   * @param triggers {@code floe.triggers}, read into the global store
   * @param changesByTrigger changes re-keyed by trigger id; as many partitions as {@code runs}
   * @param deadLetters where undecodable input goes, with its reason
   * @param consumption {@code floe.consumption}: what each trigger still needs of each capture,
   *     written
   * @param tick how often time is looked at: quiet periods, delays, retries and timeouts
   */
  public record Topics(
      String changes,
      String runs,
      String triggers,
      String changesByTrigger,
      String deadLetters,
      String consumption,
      Duration tick) {}

  private TriggerTopology() {}

  /**
   * Runs of {@code triggerId} failed at once because their ICDC states cannot be formed; counted
   * here, and registered at 0 by the status gauges for every trigger an instance decides.
   */
  public static Counter refusedRuns(String triggerId) {
    return Metrics.counter("floe.trigger.runs.refused", "trigger", triggerId);
  }

  /**
   * Lost changes ({@code ChangeLost}) that reached {@code triggerId}; registered at 0 by the status
   * gauges for every trigger an instance decides.
   */
  public static Counter lostChanges(String triggerId) {
    return Metrics.counter("floe.trigger.changes.lost", "trigger", triggerId);
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
        TO_TRIGGERS,
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
    topology.addProcessor(
        "decide", () -> new DecisionProcessor(topics.tick(), unions), "by-trigger");
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(STATE),
            Serdes.String(),
            new JsonSerde<>(TriggerState.class)),
        "decide");
    topology.addSink(
        REQUESTS,
        topics.runs(),
        Serdes.String().serializer(),
        Serdes.ByteArray().serializer(),
        "decide");
    topology.addSink(
        CONSUMED,
        topics.consumption(),
        Serdes.String().serializer(),
        Serdes.ByteArray().serializer(),
        "decide");
    topology.addSink(
        DEAD_LETTERS,
        topics.deadLetters(),
        Serdes.String().serializer(),
        Serdes.ByteArray().serializer(),
        "fan-out",
        "decide");
    return topology;
  }
}
