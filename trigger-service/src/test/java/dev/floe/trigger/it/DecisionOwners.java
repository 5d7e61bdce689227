package dev.floe.trigger.it;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;

/**
 * Which member of the decision cores' Kafka Streams group held each partition of a topic, and when,
 * as an operator reads it ({@code kafka-consumer-groups --describe --members --verbose}): the
 * group, described with Kafka's Admin client a few times a second. Members use static membership,
 * so each is named by its group instance id, which the trigger-service derives from its {@code
 * floe.trigger.instance-id}.
 *
 * <p>Nothing in a run request says which instance decided it (every event's source is the service,
 * not the instance), but the decision core writes a trigger's requests from the task of the
 * trigger's partition, to that same partition of {@code floe.runs}: the member that held the
 * partition when the request was made decided it.
 *
 * <p>Thread-safe: samples are taken on a thread of their own.
 */
final class DecisionOwners implements AutoCloseable {
  /**
   * One description of the group: taken between {@code from} and {@code to}; {@code owners} maps
   * each partition to its member, and is empty while the group is rebalancing.
   */
  private record Sample(Instant from, Instant to, Map<Integer, String> owners) {}

  private final Admin admin;
  private final String group;
  private final String topic;
  private final List<Sample> samples = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "chaos-group-sampler"));

  DecisionOwners(Admin admin, String group, String topic) {
    this.admin = admin;
    this.group = group;
    this.topic = topic;
  }

  /** Describes the group every {@code every}, from now on. */
  void start(Duration every) {
    timer.scheduleWithFixedDelay(this::sample, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The member that held {@code partition} at {@code at}: the one that held it in the last
   * description finished before {@code at} and in the first one begun after it, when both name the
   * same member; empty when they do not, or when the group was rebalancing.
   */
  Optional<String> ownerAt(int partition, Instant at) {
    Sample before = null;
    Sample after = null;
    for (Sample sample : samples) {
      if (!sample.to().isAfter(at)) {
        before = sample;
      } else if (!sample.from().isBefore(at) && after == null) {
        after = sample;
      }
    }
    if (before == null || after == null) {
      return Optional.empty();
    }
    String owner = before.owners().get(partition);
    return owner != null && owner.equals(after.owners().get(partition))
        ? Optional.of(owner)
        : Optional.empty();
  }

  /** Every member seen holding a partition, for an error message. */
  Set<String> membersSeen() {
    Set<String> seen = new HashSet<>();
    samples.forEach(s -> seen.addAll(s.owners().values()));
    return seen;
  }

  int samples() {
    return samples.size();
  }

  private void sample() {
    Instant from = Instant.now();
    ConsumerGroupDescription description;
    try {
      description =
          admin
              .describeConsumerGroups(List.of(group))
              .describedGroups()
              .get(group)
              .get(5, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return; // no sample: attribution around this moment stays open
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    Map<Integer, String> owners = new HashMap<>();
    if (description.groupState() == GroupState.STABLE) {
      Set<Integer> twice = new HashSet<>();
      for (MemberDescription member : description.members()) {
        String name = member.groupInstanceId().orElse(member.clientId());
        for (TopicPartition partition : member.assignment().topicPartitions()) {
          if (partition.topic().equals(topic) && owners.put(partition.partition(), name) != null) {
            twice.add(partition.partition());
          }
        }
      }
      twice.forEach(owners::remove);
    }
    samples.add(new Sample(from, Instant.now(), Map.copyOf(owners)));
  }

  /** The samples' owners in order, for a test's report. */
  List<Map<Integer, String>> history() {
    List<Map<Integer, String>> history = new ArrayList<>();
    for (Sample sample : samples) {
      if (history.isEmpty() || !history.get(history.size() - 1).equals(sample.owners())) {
        history.add(sample.owners());
      }
    }
    return history;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
