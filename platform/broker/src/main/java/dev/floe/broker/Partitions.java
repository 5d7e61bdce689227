package dev.floe.broker;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * The partition a key goes to under Kafka's default partitioner. Services that shard by key (the
 * listener and the capture, by table) use it to tell whether a partition they are assigned covers a
 * key, so that a key's records, state and work always meet in one instance.
 */
public final class Partitions {
  private Partitions() {}

  public static int forKey(String key, int partitions) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
  }
}
