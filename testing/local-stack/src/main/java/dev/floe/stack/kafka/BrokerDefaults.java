package dev.floe.stack.kafka;

import java.util.Map;

/**
 * Settings that make one broker a complete cluster: internal topics with one replica, no initial
 * rebalance delay, and three partitions for topics created on first use so that per-key order is
 * exercised on more than one partition.
 */
final class BrokerDefaults {
  static final Map<String, String> PROPERTIES =
      Map.ofEntries(
          Map.entry("offsets.topic.replication.factor", "1"),
          Map.entry("offsets.topic.num.partitions", "5"),
          Map.entry("transaction.state.log.replication.factor", "1"),
          Map.entry("transaction.state.log.min.isr", "1"),
          Map.entry("transaction.state.log.num.partitions", "5"),
          Map.entry("share.coordinator.state.topic.replication.factor", "1"),
          Map.entry("share.coordinator.state.topic.min.isr", "1"),
          Map.entry("group.initial.rebalance.delay.ms", "0"),
          Map.entry("default.replication.factor", "1"),
          Map.entry("min.insync.replicas", "1"),
          Map.entry("num.partitions", "3"),
          Map.entry("auto.create.topics.enable", "true"),
          Map.entry("log.cleaner.dedupe.buffer.size", "2097152"));

  private BrokerDefaults() {}
}
