package dev.floe.broker;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.jboss.logging.Logger;

/**
 * Dead-letters the bad records of a topic that every instance of a service reads in full, such as a
 * compacted definitions topic, once: not once per instance, nor again at every restart.
 *
 * <p>Each dead letter is written in a Kafka transaction together with the offset after its record,
 * committed for the group {@code floe-<service>-dead-letters}, which no consumer joins. A record
 * below that offset was dead-lettered before and is passed over. Every instance uses the same
 * transactional id, so an instance that starts a dead letter fences any other one's, and first
 * waits for that one's transaction to end: two instances meeting the same bad record write it once.
 *
 * <p>Being fenced means another instance is writing, so it does not count as a failed attempt. The
 * fenced instance backs off for a random, growing while, then reads the committed offset again
 * (waiting for the other's transaction to end) before it fences in turn: if the other one wrote
 * this record, it is passed over. Without the back-off, two instances on different partitions fence
 * each other's every transaction until both give up, and the records then written again are
 * duplicates.
 *
 * <p>A dead letter that cannot be written (the broker is away) holds its partition's offset back:
 * the record is tried again when the topic is next read from its start, and the bad records after
 * it on that partition are then written again. Those repeats carry the same source topic, partition
 * and offset headers.
 *
 * <p>Thread-safe. A call blocks while the broker answers. It starts no new try after 30 s of a
 * broker that is away or of other instances that keep fencing it; the try under way then is bounded
 * by the broker timeouts, so a call returns within about a minute. After {@link #close()}, a call
 * stops at its next back-off and a new one does nothing.
 */
public final class DeadLetterOnce implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DeadLetterOnce.class);
  private static final int ATTEMPTS = 3;
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  /** After this long, a call starts no further try. */
  private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(30);

  private static final long FIRST_BACK_OFF_MS = 20;
  private static final long LAST_BACK_OFF_MS = 1_000;

  /**
   * How long a look before fencing waits for another instance's transaction to end. Ours take
   * milliseconds; one still open after this was left by an instance that died, and only fencing
   * ends it before the broker's transaction timeout.
   */
  private static final Duration LOOK_PATIENCE = Duration.ofSeconds(2);

  /** The committed offset while a transaction holds it, once the wait for it is over. */
  private static final long UNSTABLE = Long.MIN_VALUE;

  private final String service;
  private final String group;
  private final Supplier<Producer<String, byte[]>> producers;
  private final Supplier<Admin> admins;
  private Admin admin;

  /** The offset up to which each partition's bad records are known to be dead-lettered. */
  private final Map<TopicPartition, Long> done = new HashMap<>();

  /** The first offset of each partition whose dead letter could not be written. */
  private final Map<TopicPartition, Long> failed = new HashMap<>();

  private Producer<String, byte[]> producer;

  private volatile boolean closing;

  /**
   * @param producers makes a producer with {@link #transactionalId(String)} as its transactional
   *     id; called again after the producer was fenced or failed
   * @param admins makes the admin client that reads the group's offsets; called on first use
   */
  public DeadLetterOnce(
      String service, Supplier<Producer<String, byte[]>> producers, Supplier<Admin> admins) {
    this.service = service;
    this.group = group(service);
    this.producers = producers;
    this.admins = admins;
  }

  /** One for {@code service}, with clients from {@code kafka}. */
  public static DeadLetterOnce of(KafkaClients kafka, String service) {
    return new DeadLetterOnce(
        service,
        () ->
            kafka.producer(
                Map.of(
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                    transactionalId(service),
                    ProducerConfig.CLIENT_ID_CONFIG,
                    transactionalId(service) + "-" + KafkaClients.hostName(),
                    ProducerConfig.MAX_BLOCK_MS_CONFIG,
                    (int) CALL_TIMEOUT.toMillis(),
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                    (int) CALL_TIMEOUT.toMillis(),
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                    (int) CALL_TIMEOUT.toMillis() / 2)),
        kafka::admin);
  }

  /** The group whose committed offsets mark what is written; no consumer joins it. */
  public static String group(String service) {
    return "floe-" + service + "-dead-letters";
  }

  /** The transactional id every instance of {@code service} writes these dead letters with. */
  public static String transactionalId(String service) {
    return "floe-" + service + "-dead-letters";
  }

  /**
   * Dead-letters {@code record} unless that was done before, by this instance or another.
   *
   * @return whether this call wrote it; false also when it could not be written
   */
  public synchronized boolean deadLetter(
      ConsumerRecord<String, byte[]> record, String reason, String cause) {
    if (closing) {
      return false;
    }
    long giveUpAt = System.nanoTime() + GIVE_UP_AFTER.toNanos();
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    if (record.offset() < done.getOrDefault(tp, -1L)) {
      return false;
    }
    try {
      if (record.offset() < committed(tp, LOOK_PATIENCE)) {
        return false;
      }
    } catch (KafkaException | ExecutionException | TimeoutException e) {
      LOG.warnf("could not read which dead letters of %s are written: %s", tp, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    ProducerRecord<String, byte[]> letter = DeadLetters.of(record, service, reason, cause);
    int attempt = 1;
    int fenced = 0;
    boolean lookFirst = false;
    while (attempt <= ATTEMPTS && !closing) {
      if (System.nanoTime() - giveUpAt > 0) {
        LOG.warnf(
            "gave up on %s@%d after %s (fenced %d times)",
            tp, record.offset(), GIVE_UP_AFTER, fenced);
        break;
      }
      try {
        // Look before fencing back: the instance that fenced this one may have written this record.
        if (lookFirst && record.offset() < committed(tp, LOOK_PATIENCE)) {
          return false;
        }
        return write(tp, record.offset(), letter);
      } catch (ProducerFencedException | InvalidProducerEpochException e) {
        // Another instance is writing one: take over once its transaction has ended.
        discardProducer();
        if (!backOff(fenced++, giveUpAt)) {
          break;
        }
        lookFirst = true;
      } catch (KafkaException | ExecutionException | TimeoutException e) {
        LOG.warnf(
            "attempt %d of %d to dead-letter %s@%d failed: %s",
            attempt, ATTEMPTS, tp, record.offset(), e.toString());
        discardProducer();
        attempt++;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    failed.merge(tp, record.offset(), Math::min);
    LOG.errorf(
        "could not dead-letter %s@%d (%s): it is tried again when %s is next read in full",
        tp, record.offset(), reason, tp.topic());
    return false;
  }

  private boolean write(TopicPartition tp, long offset, ProducerRecord<String, byte[]> letter)
      throws ExecutionException, InterruptedException, TimeoutException {
    if (producer == null) {
      producer = producers.get();
      // Ends any transaction another instance left open, so its offsets are now committed or not.
      producer.initTransactions();
    }
    // With this producer's epoch no other transaction is open: what is committed now decides.
    long committed = committed(tp, CALL_TIMEOUT);
    if (committed == UNSTABLE) {
      throw new TimeoutException(
          "the committed offset of " + group + " on " + tp + " stayed unstable");
    }
    if (offset < committed) {
      return false;
    }
    producer.beginTransaction();
    try {
      producer.send(letter);
      long next = Math.min(offset + 1, failed.getOrDefault(tp, Long.MAX_VALUE));
      if (next > done.getOrDefault(tp, -1L)) {
        producer.sendOffsetsToTransaction(
            Map.of(tp, new OffsetAndMetadata(next)), new ConsumerGroupMetadata(group));
      }
      producer.commitTransaction();
      done.merge(tp, next, Math::max);
      return true;
    } catch (ProducerFencedException | InvalidProducerEpochException e) {
      throw e;
    } catch (KafkaException e) {
      try {
        producer.abortTransaction();
      } catch (KafkaException ignored) {
        // the producer is discarded by the caller
      }
      throw e;
    }
  }

  /**
   * The committed offset of the group on {@code tp} (-1 for none), once no transaction is pending
   * on it, or {@link #UNSTABLE} if one still is after {@code patience}. The broker answers a
   * pending one with {@code UNSTABLE_OFFSET_COMMIT}, for which the admin client leaves the
   * partition out of its answer (as it does for any error on it); it is asked again, at growing
   * intervals.
   */
  private long committed(TopicPartition tp, Duration patience)
      throws ExecutionException, InterruptedException, TimeoutException {
    if (admin == null) {
      admin = admins.get();
    }
    long deadline = System.nanoTime() + patience.toNanos();
    long pause = 20;
    while (true) {
      Map<TopicPartition, OffsetAndMetadata> answer =
          admin
              .listConsumerGroupOffsets(
                  Map.of(group, new ListConsumerGroupOffsetsSpec().topicPartitions(List.of(tp))),
                  new ListConsumerGroupOffsetsOptions().requireStable(true))
              .partitionsToOffsetAndMetadata(group)
              .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (answer.containsKey(tp)) {
        // A null value: nothing committed yet.
        OffsetAndMetadata at = answer.get(tp);
        long offset = at == null ? -1L : at.offset();
        done.merge(tp, offset, Math::max);
        return offset;
      }
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (closing || left <= 0) {
        return UNSTABLE;
      }
      TimeUnit.MILLISECONDS.sleep(Math.min(pause, left));
      pause = Math.min(pause * 2, 500);
    }
  }

  /**
   * Waits a random while that doubles with each fence in a row, so two instances that fence each
   * other fall out of step and one finishes its transaction.
   *
   * @return false when interrupted, closing, or at {@code giveUpAt}
   */
  private boolean backOff(int fencesInARow, long giveUpAt) {
    long ceiling = Math.min(LAST_BACK_OFF_MS, FIRST_BACK_OFF_MS << Math.min(fencesInARow, 10));
    long wait = ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
    long left = TimeUnit.NANOSECONDS.toMillis(giveUpAt - System.nanoTime());
    if (closing || left <= 0) {
      return false;
    }
    try {
      TimeUnit.MILLISECONDS.sleep(Math.min(wait, left));
      return !closing;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void discardProducer() {
    if (producer != null) {
      try {
        producer.close(Duration.ZERO);
      } catch (KafkaException ignored) {
        // closing a failed producer
      }
      producer = null;
    }
  }

  @Override
  public void close() {
    closing = true;
    synchronized (this) {
      closeClients();
    }
  }

  private void closeClients() {
    discardProducer();
    if (admin != null) {
      admin.close(Duration.ofSeconds(2));
      admin = null;
    }
  }
}
