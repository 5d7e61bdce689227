package dev.floe.stack.kafka;

/** A running single-node KRaft broker. */
public interface KafkaBroker extends AutoCloseable {

  /** The {@code bootstrap.servers} value clients connect with. */
  String bootstrapServers();

  @Override
  void close();
}
