package dev.floe.broker;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
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

  /** Where a key's state lives: on this instance, on another one, or not known now. */
  public sealed interface Owner {
    /** This instance's store holds the key. */
    record Here() implements Owner {}

    /** Another instance's does; it answers at {@code host:port}. */
    record There(String host, int port) implements Owner {}

    /** No instance holds it now: starting, restoring or rebalancing; ask again shortly. */
    record Unknown(String why) implements Owner {}
  }

  /**
   * Which instance's store {@code store} holds {@code key} as its active copy, by the group's
   * assignment and each instance's {@code application.server}.
   *
   * @param self this instance's {@code application.server}
   */
  public Owner owner(String store, String key, String self) {
    KafkaStreams.State state = streams.state();
    if (state != KafkaStreams.State.RUNNING) {
      return new Owner.Unknown("the decision core is " + state.name().toLowerCase());
    }
    KeyQueryMetadata metadata;
    try {
      metadata = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
    } catch (StreamsException e) {
      return new Owner.Unknown(e.getMessage());
    }
    if (metadata == null || KeyQueryMetadata.NOT_AVAILABLE.equals(metadata)) {
      return new Owner.Unknown("the group's assignment is not known");
    }
    HostInfo active = metadata.activeHost();
    return (active.host() + ":" + active.port()).equals(self)
        ? new Owner.Here()
        : new Owner.There(active.host(), active.port());
  }

  /**
   * Where this instance answers other instances, {@code host:port}: as configured, or the HTTP host
   * it listens on (the machine's host name when it listens on every interface) and its port.
   */
  public static String address(Optional<String> configured, String httpHost, int httpPort) {
    return configured.orElseGet(
        () ->
            (httpHost.equals("0.0.0.0") || httpHost.equals("::")
                    ? KafkaClients.hostName()
                    : httpHost)
                + ":"
                + httpPort);
  }

  /** Every instance of the group, by its {@code application.server}, this one included. */
  public List<String> instances() {
    return streams.metadataForAllStreamsClients().stream()
        .map(m -> m.hostInfo().host() + ":" + m.hostInfo().port())
        .distinct()
        .toList();
  }

  @Override
  public void close() {
    streams.close(Duration.ofSeconds(10));
  }
}
