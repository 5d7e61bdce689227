package dev.floe.backfill.engine;

import dev.floe.broker.KafkaClients;
import dev.floe.broker.KafkaUnavailableException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Writes a plan to the inbox in one Kafka transaction: its {@code BackfillPlanned} and the pages of
 * chunks that follow it, all or none. The decision core reads committed records only, so it never
 * sees half a plan, even when this instance dies mid-way.
 *
 * <p>The transactional id is the instance's ({@code floe-backfill-plans-<instance id>}): an
 * instance restarted under the same id fences its predecessor and aborts a transaction that one
 * left open, which would otherwise hold back the inbox partition's committed records until the
 * broker aborted it after {@link #TRANSACTION_TIMEOUT}. Thread-safe: one plan at a time.
 */
public final class PlanWriter implements AutoCloseable {
  static final Duration TRANSACTION_TIMEOUT = Duration.ofSeconds(60);

  private final KafkaClients kafka;
  private final String transactionalId;
  private Producer<String, byte[]> producer;
  private boolean closed;

  PlanWriter(KafkaClients kafka, String instanceId) {
    this.kafka = kafka;
    this.transactionalId = "floe-backfill-plans-" + instanceId;
  }

  /**
   * Writes {@code records} in one transaction and waits until it is committed.
   *
   * @throws KafkaUnavailableException when it was not written, or when whether it was is unknown
   *     (the commit timed out twice): the caller's answer says to look the backfill up
   */
  public synchronized void write(List<ProducerRecord<String, byte[]>> records, Duration timeout) {
    if (closed) {
      throw new KafkaUnavailableException("Stopping", "the service is stopping", null);
    }
    try {
      if (producer == null) {
        Map<String, Object> config =
            new HashMap<>(
                KafkaClients.transactional(transactionalId, TRANSACTION_TIMEOUT, transactionalId));
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
        producer = kafka.producer(config);
        producer.initTransactions();
      }
      producer.beginTransaction();
      records.forEach(producer::send);
      try {
        producer.commitTransaction();
      } catch (TimeoutException first) {
        producer.commitTransaction(); // a commit that timed out may be retried, and only so
      }
    } catch (TimeoutException e) {
      discard(false);
      throw new KafkaUnavailableException(
          "Kafka did not confirm the plan",
          "whether the plan was written is unknown; look the backfill up before asking again: "
              + e.getMessage(),
          e);
    } catch (RuntimeException e) {
      discard(!(e instanceof ProducerFencedException));
      throw new KafkaUnavailableException(
          "Kafka did not accept the plan", String.valueOf(e.getMessage()), e);
    }
  }

  /** Closes a producer that failed, aborting what it had begun; the next plan makes another. */
  private void discard(boolean abort) {
    Producer<String, byte[]> failed = producer;
    producer = null;
    if (failed == null) {
      return;
    }
    try {
      if (abort) {
        failed.abortTransaction();
      }
    } catch (RuntimeException ignored) {
      // Closing it aborts the transaction all the same, at the broker's time-out at worst.
    } finally {
      failed.close(Duration.ZERO);
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
      producer = null;
    }
  }
}
