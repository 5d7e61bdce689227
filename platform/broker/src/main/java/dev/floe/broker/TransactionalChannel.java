package dev.floe.broker;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.jboss.logging.Logger;

/**
 * Consume, process, produce: a group consumer and a transactional producer whose transactions carry
 * the group's offsets with what they send (KIP-447), under one failure policy for every engine that
 * uses it.
 *
 * <p>The policy follows the producer's contract: a fenced producer, a stale epoch, a refused
 * authorization, a broker too old for transactions or a broken sequence leave the producer
 * unusable, so it is replaced; a commit that timed out is retried, as the contract allows, and if
 * it still does not answer the producer is replaced, since the commit may yet complete ({@link
 * Outcome#FENCED}: whether the transaction committed is then known only from Kafka); any other
 * Kafka failure aborts the transaction ({@link Outcome#ABORTED}: nothing of it is visible and no
 * offset moved). A producer that cannot abort is replaced, with the outcome FENCED too.
 *
 * <p>Not thread-safe: one loop thread uses it, except {@link #wakeup()}.
 */
public final class TransactionalChannel implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(TransactionalChannel.class);
  private static final Duration INIT_RETRY = Duration.ofSeconds(2);
  private static final int COMMIT_TRIES = 3;

  /** Builds the clients; the producer again after it became unusable. */
  public interface Clients {
    Producer<String, byte[]> transactionalProducer();

    Consumer<String, byte[]> groupConsumer();
  }

  /** What a transaction writes: it sends records and answers the offsets to commit with them. */
  @FunctionalInterface
  public interface Work {
    /**
     * Sends this transaction's records through {@code send} and returns the consumed offsets, the
     * next offset to read per partition, to commit in the same transaction (empty for none).
     */
    Map<TopicPartition, OffsetAndMetadata> write(
        java.util.function.Consumer<ProducerRecord<String, byte[]>> send);
  }

  /** How a transaction ended. */
  public enum Outcome {
    /** Its records and offsets are committed. */
    COMMITTED,
    /** Aborted: nothing of it is visible, no offset moved; read the input again from its start. */
    ABORTED,
    /**
     * The producer could not go on and was replaced, or could not be made: the transaction may or
     * may not have committed, so the caller reads its position and state back from Kafka.
     */
    FENCED
  }

  private final String name;
  private final Clients clients;
  private Producer<String, byte[]> producer;
  private Consumer<String, byte[]> consumer;
  private volatile String state = "starting";

  /** {@code name} names the engine in logs. */
  public TransactionalChannel(String name, Clients clients) {
    this.name = name;
    this.clients = clients;
  }

  /**
   * Initialises the transactional producer, retrying while the broker refuses, then subscribes the
   * group consumer. Returns false when {@code running} turned false first.
   */
  public boolean open(
      Collection<String> topics, ConsumerRebalanceListener rebalance, BooleanSupplier running) {
    while (running.getAsBoolean() && !initProducer()) {
      if (!pause(INIT_RETRY)) {
        return false;
      }
    }
    if (!running.getAsBoolean()) {
      return false;
    }
    consumer = clients.groupConsumer();
    consumer.subscribe(topics, rebalance);
    state = "joining the consumer group";
    return true;
  }

  /**
   * The loop: opens the channel, then calls {@code turn} while {@code running}; a wakeup from
   * {@link #wakeup()} once {@code running} is false ends it quietly. Both clients are closed on the
   * way out, whatever ends it.
   */
  public void run(
      Collection<String> topics,
      ConsumerRebalanceListener rebalance,
      BooleanSupplier running,
      Runnable turn) {
    try {
      if (!open(topics, rebalance, running)) {
        return;
      }
      while (running.getAsBoolean()) {
        turn.run();
      }
    } catch (org.apache.kafka.common.errors.WakeupException e) {
      if (running.getAsBoolean()) {
        throw e;
      }
    } finally {
      close();
    }
  }

  /** The group consumer, for polling, seeking and offset queries; null before {@link #open}. */
  public Consumer<String, byte[]> consumer() {
    return consumer;
  }

  /** What the channel waits for, until the engine reports its own state. */
  public String state() {
    return state;
  }

  /** Why no transaction can run now (no producer could be made), or null when one can. */
  public String problem() {
    return producer == null && consumer != null ? state : null;
  }

  /**
   * Moves each of {@code partitions} this consumer still holds to the group's committed offset, the
   * truth after a FENCED transaction (read_committed waits until no transaction is pending), or to
   * {@code fallback}'s offset where the group has committed none.
   */
  public void seekToCommitted(Map<TopicPartition, Long> fallback) {
    Map<TopicPartition, OffsetAndMetadata> committed =
        consumer.committed(new java.util.HashSet<>(fallback.keySet()));
    fallback.forEach(
        (tp, offset) -> {
          if (consumer.assignment().contains(tp)) {
            OffsetAndMetadata c = committed.get(tp);
            consumer.seek(tp, c == null ? offset : c.offset());
          }
        });
  }

  /**
   * Runs {@code work} in one transaction with the offsets it returns. When no producer can be made
   * (the broker refuses), the work does not run, the channel waits a moment and answers FENCED. A
   * failure of the work that is not Kafka's aborts the transaction and is rethrown.
   */
  public Outcome transact(Work work) {
    if (producer == null && !initProducer()) {
      pause(INIT_RETRY);
      return Outcome.FENCED;
    }
    boolean committing = false;
    try {
      producer.beginTransaction();
      Map<TopicPartition, OffsetAndMetadata> offsets = work.write(producer::send);
      if (!offsets.isEmpty()) {
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
      }
      committing = true;
      commit();
      return Outcome.COMMITTED;
    } catch (KafkaException e) {
      if (unusable(e) || committing && e instanceof TimeoutException) {
        LOG.errorf("%s: the transactional producer cannot continue (%s); recreating it", name, e);
        replaceProducer();
        return Outcome.FENCED;
      }
      LOG.warnf("%s: transaction aborted: %s", name, e.toString());
      try {
        producer.abortTransaction();
        return Outcome.ABORTED;
      } catch (KafkaException abortFailed) {
        replaceProducer();
        return Outcome.FENCED;
      }
    } catch (RuntimeException e) {
      // A bug in the work: abort so that nothing half-written commits, and let it surface.
      try {
        producer.abortTransaction();
      } catch (KafkaException abortFailed) {
        replaceProducer();
      }
      throw e;
    }
  }

  /** Commits, retrying a commit that timed out: the producer's contract allows exactly that. */
  private void commit() {
    for (int attempt = 1; ; attempt++) {
      try {
        producer.commitTransaction();
        return;
      } catch (TimeoutException e) {
        if (attempt == COMMIT_TRIES) {
          throw e;
        }
        LOG.warnf("%s: the commit timed out (%s); retrying it", name, e.getMessage());
      }
    }
  }

  /**
   * Whether {@code error} leaves the producer unusable, as the producer's javadoc lists them; the
   * only remedy is a new producer, which fences nothing of ours but resets the epoch.
   */
  static boolean unusable(KafkaException error) {
    return error instanceof ProducerFencedException
        || error instanceof InvalidProducerEpochException
        || error instanceof OutOfOrderSequenceException
        || error instanceof AuthorizationException
        || error instanceof UnsupportedVersionException;
  }

  /** Drops the producer; the next transaction initialises a new one. */
  private void replaceProducer() {
    closeQuietly(producer, Duration.ZERO);
    producer = null;
  }

  private boolean initProducer() {
    try {
      producer = clients.transactionalProducer();
      producer.initTransactions();
      return true;
    } catch (KafkaException e) {
      state = "cannot initialize the transactional producer: " + e.getMessage();
      LOG.warnf("%s: %s; retrying", name, state);
      closeQuietly(producer, Duration.ZERO);
      producer = null;
      return false;
    }
  }

  /** Interrupts a blocking poll; the loop thread then sees a {@code WakeupException}. */
  public void wakeup() {
    Consumer<String, byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
  }

  /** Closes both clients; the consumer leaves its group so another instance takes over at once. */
  @Override
  public void close() {
    state = "stopped";
    closeQuietly(consumer);
    closeQuietly(producer);
  }

  private static boolean pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    closeQuietly(closeable, Duration.ofSeconds(5));
  }

  private static void closeQuietly(AutoCloseable closeable, Duration timeout) {
    if (closeable == null) {
      return;
    }
    try {
      if (closeable instanceof Producer<?, ?> p) {
        p.close(timeout);
      } else if (closeable instanceof Consumer<?, ?> c) {
        c.close(timeout);
      } else {
        closeable.close();
      }
    } catch (Exception e) {
      LOG.debugf("while closing: %s", e.toString());
    }
  }
}
