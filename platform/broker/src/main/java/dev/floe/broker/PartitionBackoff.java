package dev.floe.broker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Retries a record later without losing its partition's order: the consumer is rewound to the
 * record and the partition paused for an exponential back-off (500 ms, doubling up to a maximum),
 * while the other partitions go on. A partition's back-off grows until it is forgotten, which a
 * rebalance does.
 *
 * <p>Used by one loop thread only.
 */
public final class PartitionBackoff {
  private static final Logger LOG = Logger.getLogger(PartitionBackoff.class);
  static final Duration FIRST = Duration.ofMillis(500);

  private final Duration max;
  private final Clock clock;
  private final Map<TopicPartition, Delay> paused = new HashMap<>();

  private static final class Delay {
    Instant until;
    Duration delay;
  }

  public PartitionBackoff(Duration max, Clock clock) {
    this.max = max;
    this.clock = clock;
  }

  /** Rewinds {@code tp} to {@code offset} and pauses it; returns the delay it waits. */
  public Duration pause(Consumer<?, ?> consumer, TopicPartition tp, long offset, Throwable cause) {
    Delay d = paused.computeIfAbsent(tp, k -> new Delay());
    d.delay = d.delay == null ? FIRST : min(max, d.delay.multipliedBy(2));
    d.until = clock.instant().plus(d.delay);
    LOG.warnf(
        "%s-%d@%d failed, retrying in %s: %s",
        tp.topic(), tp.partition(), offset, d.delay, Failures.describe(cause));
    consumer.seek(tp, offset);
    consumer.pause(List.of(tp));
    return d.delay;
  }

  /** Resumes the assigned partitions whose back-off has passed. */
  public void resumeDue(Consumer<?, ?> consumer) {
    Instant now = clock.instant();
    List<TopicPartition> due = new ArrayList<>();
    paused.forEach(
        (tp, d) -> {
          if (d.until != null && !d.until.isAfter(now)) {
            due.add(tp);
            d.until = null;
          }
        });
    due.removeIf(tp -> !consumer.assignment().contains(tp));
    if (!due.isEmpty()) {
      consumer.resume(due);
    }
  }

  /** Drops what is known of {@code tp}, when this instance no longer owns it. */
  public void forget(TopicPartition tp) {
    paused.remove(tp);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
