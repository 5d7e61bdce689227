package dev.floe.listener.hint;

import dev.floe.broker.DeadLetters;
import dev.floe.listener.poll.PollSchedule;
import dev.floe.listener.status.ListenerMetrics;
import dev.floe.listener.watch.WatchRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Push hints from the hints topic: a valid hint for a watched table makes it due for a poll now; a
 * malformed or oversized one goes to the dead-letter topic with its reason, and one for a table
 * nobody watches is counted and dropped. A hint is only a nudge: losing one delays a table until
 * its next scheduled poll, so hints are dead-lettered outside the listener's transactions.
 *
 * <p>Used by the listener's loop thread only.
 */
public final class HintIntake {
  private static final Logger LOG = Logger.getLogger(HintIntake.class);
  private static final Duration REPLAY = Duration.ofSeconds(30);
  static final String OVERSIZED_HINT = "oversized-hint";
  static final String MALFORMED_HINT = "malformed-hint";

  /** Why a hint is dead-lettered. */
  public static final List<String> DEAD_LETTER_REASONS = List.of(OVERSIZED_HINT, MALFORMED_HINT);

  private final WatchRegistry watches;
  private final PollSchedule schedule;
  private final ListenerMetrics metrics;
  private final Producer<String, byte[]> deadLetters;
  private final String service;
  private final Clock clock;

  public HintIntake(
      WatchRegistry watches,
      PollSchedule schedule,
      ListenerMetrics metrics,
      Producer<String, byte[]> deadLetters,
      String service,
      Clock clock) {
    this.watches = watches;
    this.schedule = schedule;
    this.metrics = metrics;
    this.deadLetters = deadLetters;
    this.service = service;
    this.clock = clock;
  }

  /** Takes one record of the hints topic. */
  public void accept(ConsumerRecord<String, byte[]> record) {
    String key = record.key();
    try {
      if (key == null) {
        throw new IllegalArgumentException("a hint must be keyed by its table");
      }
      if (record.value() != null && record.value().length > HintParser.MAX_BYTES) {
        metrics.hint("malformed");
        deadLetter(
            record,
            OVERSIZED_HINT,
            "a hint of "
                + record.value().length
                + " bytes is over the limit of "
                + HintParser.MAX_BYTES
                + " bytes");
        return;
      }
      HintParser.parse(record.value());
    } catch (RuntimeException e) {
      metrics.hint("malformed");
      deadLetter(record, MALFORMED_HINT, e.getMessage());
      return;
    }
    if (watches.get(key).isEmpty()) {
      metrics.hint("unwatched");
      return;
    }
    metrics.hint("accepted");
    schedule.hint(key, clock.instant());
  }

  /**
   * Starts reading newly assigned hint partitions a little before now, so that hints sent while the
   * partitions moved between instances still speed up their tables; older hints are of no use.
   */
  public void seek(Consumer<?, ?> consumer, List<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    long since = clock.millis() - REPLAY.toMillis();
    Map<TopicPartition, Long> query = new HashMap<>();
    partitions.forEach(tp -> query.put(tp, since));
    consumer
        .offsetsForTimes(query)
        .forEach(
            (tp, found) -> {
              if (found == null) {
                consumer.seekToEnd(List.of(tp));
              } else {
                consumer.seek(tp, found.offset());
              }
            });
  }

  private void deadLetter(ConsumerRecord<String, byte[]> record, String reason, String cause) {
    deadLetters.send(
        DeadLetters.of(record, service, reason, cause),
        (metadata, error) -> {
          if (error != null) {
            LOG.errorf(
                error,
                "cannot dead-letter %s-%d@%d",
                record.topic(),
                record.partition(),
                record.offset());
          }
        });
    LOG.warnf(
        "dead-lettered %s-%d@%d (%s): %s",
        record.topic(), record.partition(), record.offset(), reason, cause);
  }
}
