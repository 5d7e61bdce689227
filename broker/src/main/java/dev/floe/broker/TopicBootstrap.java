package dev.floe.broker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * Creates the topics a service needs if they are missing, with the broker's default replication
 * factor, and checks the partition count of those whose count the service relies on.
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
      checkPartitions(admin, specs, timeout);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IllegalStateException("cannot prepare Kafka topics: " + cause.getMessage(), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while preparing Kafka topics", e);
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
