package dev.floe.broker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
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
    /** This instance holds the key's partition of the store, by the group's assignment. */
    record Here(int partition) implements Owner {}

    /** Another instance does; it answers at {@code host:port}. */
    record There(String host, int port) implements Owner {}

    /** No instance holds it now: starting, restoring or rebalancing; ask again shortly. */
    record Unknown(String why) implements Owner {}
  }

  /**
   * Which instance's store {@code store} holds {@code key} as its active copy, by the group's
   * assignment and each instance's {@code application.server}. The assignment may name an instance
   * before it has the partition (a cooperative rebalance hands it over in a second round): read
   * {@link Owner.Here} with {@link #get}, which refuses a partition not readable here.
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
    } catch (StreamsException | IllegalStateException e) {
      return new Owner.Unknown(e.getMessage());
    }
    if (metadata == null
        || KeyQueryMetadata.NOT_AVAILABLE.equals(metadata)
        || metadata.activeHost().port() < 0) {
      // Held by no instance that gives an address (one of an older version), or by none.
      return new Owner.Unknown("no instance that answers holds it now");
    }
    HostInfo active = metadata.activeHost();
    return active.equals(hostInfo(self))
        ? new Owner.Here(metadata.partition())
        : new Owner.There(active.host(), active.port());
  }

  /**
   * The value of {@code key} in partition {@code partition} of {@code store}, read from this
   * instance's active copy of that partition; null when it holds no value.
   *
   * @throws InvalidStateStoreException when this instance cannot read that partition now: not its
   *     own yet, restoring, or moved away
   */
  public <V> V get(String store, int partition, String key) {
    return this.<V>partition(store, partition).get(key);
  }

  /**
   * Every value of the partitions of {@code store} that the group's assignment gives this instance,
   * read from its active copies, with those partitions.
   *
   * @param source the topic the store's partitions follow
   * @throws InvalidStateStoreException when one of them cannot be read here now
   */
  public <V> Held<V> held(String store, String source, String self) {
    Set<Integer> partitions = assigned(store, source).getOrDefault(hostInfo(self), Set.of());
    List<V> values = new ArrayList<>();
    for (int partition : partitions) {
      try (KeyValueIterator<String, V> all = this.<V>partition(store, partition).all()) {
        all.forEachRemaining(e -> values.add(e.value));
      }
    }
    return new Held<>(values, partitions);
  }

  /** Values read from some partitions of a store. */
  public record Held<V>(List<V> values, Set<Integer> partitions) {}

  /**
   * The partitions of {@code store} each instance holds as active copies, by the group's
   * assignment: those of its {@code source} topic; empty while the core is not running.
   */
  public Map<HostInfo, Set<Integer>> assigned(String store, String source) {
    if (streams.state() != KafkaStreams.State.RUNNING) {
      return Map.of();
    }
    Map<HostInfo, Set<Integer>> byHost = new HashMap<>();
    try {
      for (StreamsMetadata m : streams.streamsMetadataForStore(store)) {
        Set<Integer> partitions = new TreeSet<>();
        m.topicPartitions().stream()
            .filter(tp -> tp.topic().equals(source))
            .forEach(tp -> partitions.add(tp.partition()));
        byHost.put(m.hostInfo(), partitions);
      }
    } catch (StreamsException | IllegalStateException e) {
      return Map.of();
    }
    return byHost;
  }

  /**
   * This instance's active copy of partition {@code partition} of {@code store}, for several reads
   * in a row.
   *
   * @throws InvalidStateStoreException when this instance cannot read that partition now
   */
  public <V> ReadOnlyKeyValueStore<String, V> partition(String store, int partition) {
    if (streams.state() != KafkaStreams.State.RUNNING) {
      throw new InvalidStateStoreException("the decision core is " + streams.state());
    }
    return streams.store(
        StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.<String, V>keyValueStore())
            .withPartition(partition));
  }

  /**
   * Where this instance answers other instances, {@code host:port}: as configured, or the HTTP host
   * it listens on (the machine's host name when it listens on every interface) and its port.
   */
  public static String address(Optional<String> configured, String httpHost, int httpPort) {
    return configured.orElseGet(
        () ->
            (httpHost.equals("0.0.0.0") || httpHost.equals("::") || httpHost.equals("[::]")
                    ? KafkaClients.hostName()
                    : httpHost)
                + ":"
                + httpPort);
  }

  /** {@code host:port} as Kafka Streams parses {@code application.server}. */
  public static HostInfo hostInfo(String address) {
    return HostInfo.buildFromEndpoint(address);
  }

  @Override
  public void close() {
    streams.close(Duration.ofSeconds(10));
  }
}
