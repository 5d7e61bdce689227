package dev.floe.listener.publish;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * Which partition of the checkpoints topic a table belongs to: the partition its key goes to under
 * Kafka's default partitioner. The instance that is assigned that partition polls the table, so its
 * checkpoints, its hints and its polling always meet in one instance.
 */
public final class Ownership {
  private Ownership() {}

  public static int partition(String tableKey, int partitions) {
    return Utils.toPositive(Utils.murmur2(tableKey.getBytes(StandardCharsets.UTF_8))) % partitions;
  }
}
