package dev.floe.broker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * Creates the topics a service needs if they are missing, with the broker's default replication
 * factor, and checks the partition count of those whose count the service relies on.
 *
 * <p>A topic it creates is ready when this returns: every partition's leader answers. A created
 * topic is in the cluster's metadata before each leader serves it, and an idempotent producer that
 * writes in that gap can have its first batch refused ({@code NOT_LEADER_OR_FOLLOWER}) and a later
 * one accepted, after which the retried first batch is refused as out of sequence until the
 * delivery timeout.
 */
public final class TopicBootstrap {
  private static final Logger LOG = Logger.getLogger(TopicBootstrap.class);

  private TopicBootstrap() {}

  /**
   * @throws IllegalStateException when a topic cannot be created, or exists with a partition count
   *     that a spec requires exactly
   */
  public static void ensure(Admin admin, Collection<TopicSpec> specs, Duration timeout) {
    try {
      Set<String> existing =
          admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (TopicSpec spec : specs) {
        if (!existing.contains(spec.name())) {
          NewTopic topic =
              new NewTopic(spec.name(), Optional.of(spec.partitions()), Optional.empty());
          if (spec.compacted()) {
            topic.configs(
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
          }
          missing.add(topic);
        }
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      for (NewTopic topic : missing) {
        try {
          admin.createTopics(List.of(topic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          LOG.infof("created topic %s with %d partitions", topic.name(), topic.numPartitions());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      if (!missing.isEmpty()) {
        awaitLeaders(admin, missing.stream().map(NewTopic::name).toList(), deadline);
      }
      checkPartitions(admin, specs, timeout);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IllegalStateException("cannot prepare Kafka topics: " + cause.getMessage(), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while preparing Kafka topics", e);
    }
  }

  /**
   * Returns once the leader of every partition of {@code topics} answers a list-offsets request,
   * which it refuses, as it refuses a write, until it serves the partition. The admin client
   * retries a partition whose leader refuses; a topic or partition not yet known to the broker it
   * asks is retried here, every 50 ms.
   */
  private static void awaitLeaders(Admin admin, List<String> topics, long deadline)
      throws ExecutionException, InterruptedException, TimeoutException {
    while (true) {
      long left = Math.max(1, deadline - System.nanoTime());
      try {
        Map<String, TopicDescription> described =
            admin.describeTopics(topics).allTopicNames().get(left, TimeUnit.NANOSECONDS);
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        described.forEach(
            (name, description) ->
                description
                    .partitions()
                    .forEach(
                        p ->
                            partitions.put(
                                new TopicPartition(name, p.partition()), OffsetSpec.latest())));
        left = Math.max(1, deadline - System.nanoTime());
        admin
            .listOffsets(
                partitions,
                new ListOffsetsOptions()
                    .timeoutMs((int) Math.min(Integer.MAX_VALUE, left / 1_000_000)))
            .all()
            .get(left, TimeUnit.NANOSECONDS);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException) || System.nanoTime() >= deadline) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(50);
      }
    }
  }

  private static void checkPartitions(Admin admin, Collection<TopicSpec> specs, Duration timeout)
      throws ExecutionException, InterruptedException, TimeoutException {
    List<String> exact =
        specs.stream().filter(TopicSpec::exactPartitions).map(TopicSpec::name).toList();
    if (exact.isEmpty()) {
      return;
    }
    Map<String, TopicDescription> described =
        admin.describeTopics(exact).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    String wrong =
        specs.stream()
            .filter(TopicSpec::exactPartitions)
            .filter(s -> described.get(s.name()).partitions().size() != s.partitions())
            .map(
                s ->
                    s.name()
                        + " has "
                        + described.get(s.name()).partitions().size()
                        + " partitions, expected "
                        + s.partitions())
            .collect(Collectors.joining("; "));
    if (!wrong.isEmpty()) {
      throw new IllegalStateException(
          wrong
              + ": these topics must be co-partitioned; set floe.topics.partitions to match or"
              + " recreate the topics");
    }
  }
}
