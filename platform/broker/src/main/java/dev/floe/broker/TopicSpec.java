package dev.floe.broker;

/**
 * A topic a service needs.
 *
 * @param partitions the partition count to create it with
 * @param compacted true for definition and checkpoint topics ({@code cleanup.policy=compact})
 * @param exactPartitions true when the service relies on the count, such as for co-partitioned
 *     topics; an existing topic with another count then stops start-up
 */
public record TopicSpec(String name, int partitions, boolean compacted, boolean exactPartitions) {

  public static TopicSpec stream(String name, int partitions) {
    return new TopicSpec(name, partitions, false, false);
  }

  public static TopicSpec compacted(String name, int partitions) {
    return new TopicSpec(name, partitions, true, false);
  }

  public TopicSpec withExactPartitions() {
    return new TopicSpec(name, partitions, compacted, true);
  }
}
