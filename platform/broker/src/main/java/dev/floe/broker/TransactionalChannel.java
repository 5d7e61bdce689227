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
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.jboss.logging.Logger;

/**
 * Consume, process, produce: a group consumer and a transactional producer whose transactions carry
 * the group's offsets with what they send (KIP-447), under one failure policy for every engine that
 * uses it.
 *
 * <p>The policy follows the producer's contract: a fenced producer, a stale epoch, a refused
 * authorization, a broker too old for transactions or a broken sequence leave the producer
 * unusable, so it is closed and a new one initialised ({@link Outcome#FENCED}); any other Kafka
 * failure aborts the transaction ({@link Outcome#ABORTED}), and a producer that cannot abort is
 * replaced too. Either way nothing of the transaction is visible to read_committed readers and no
 * offset moved, so the caller reads its input again from where the transaction began.
 *
 * <p>Not thread-safe: one loop thread uses it, except {@link #wakeup()}.
 */
public final class TransactionalChannel implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(TransactionalChannel.class);
  private static final Duration INIT_RETRY = Duration.ofSeconds(2);

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
    /** Aborted: nothing of it is visible; the producer is ready for the next one. */
    ABORTED,
    /** The producer could not go on and was replaced: nothing of it is visible. */
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

  /** Runs {@code work} in one transaction with the offsets it returns. */
  public Outcome transact(Work work) {
    if (producer == null && !initProducer()) {
      return Outcome.FENCED;
    }
    try {
      producer.beginTransaction();
      Map<TopicPartition, OffsetAndMetadata> offsets = work.write(producer::send);
      if (!offsets.isEmpty()) {
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
      }
      producer.commitTransaction();
      return Outcome.COMMITTED;
    } catch (KafkaException e) {
      if (unusable(e)) {
        LOG.errorf("%s: the transactional producer cannot continue (%s); recreating it", name, e);
        replaceProducer();
        return Outcome.FENCED;
      }
      LOG.warnf("%s: transaction aborted: %s", name, e.toString());
      try {
        producer.abortTransaction();
      } catch (KafkaException abortFailed) {
        replaceProducer();
      }
      return Outcome.ABORTED;
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
