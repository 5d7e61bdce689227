package dev.floe.broker;

import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.jboss.logging.Logger;

/**
 * A service's decision core: a Kafka Streams topology run with the settings of {@link
 * StreamsSettings}, whose failed stream threads are replaced rather than left dead, and whose
 * key-value stores REST calls read on this instance.
 *
 * <p>Thread-safe.
 */
public final class DecisionCore implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DecisionCore.class);

  private final KafkaStreams streams;
  private volatile boolean served;

  private DecisionCore(KafkaStreams streams) {
    this.streams = streams;
  }

  /** Starts {@code topology}; it joins its group and restores its stores in the background. */
  public static DecisionCore start(Topology topology, Properties config) {
    DecisionCore core = new DecisionCore(new KafkaStreams(topology, config));
    core.streams.setStateListener(
        (now, before) -> {
          if (now == KafkaStreams.State.RUNNING) {
            core.served = true;
          }
        });
    core.streams.setUncaughtExceptionHandler(
        e -> {
          LOG.errorf(e, "the decision core failed; its thread is replaced");
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    core.streams.start();
    return core;
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  /**
   * Whether it has run with its partitions at least once: before that no store can be read; after
   * it, a rebalance only pauses reads.
   */
  public boolean served() {
    return served;
  }

  /**
   * Store {@code name} of this instance, or empty while the core is not running (starting,
   * restoring, rebalancing).
   */
  public <V> Optional<ReadOnlyKeyValueStore<String, V>> store(String name) {
    if (streams.state() != KafkaStreams.State.RUNNING) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          streams.store(
              StoreQueryParameters.fromNameAndType(
                  name, QueryableStoreTypes.<String, V>keyValueStore())));
    } catch (InvalidStateStoreException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    streams.close(Duration.ofSeconds(10));
  }
}
