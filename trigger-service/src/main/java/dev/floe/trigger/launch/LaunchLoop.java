package dev.floe.trigger.launch;

import dev.floe.broker.EventRecords;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.RunStarted;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.trigger.status.TriggerMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * Launches requested runs: reads {@code RunRequested} from {@code floe.runs}, starts each job with
 * its trigger's launcher, and writes {@code RunStarted} or {@code RunFailed} in a Kafka transaction
 * with the consumed offsets. A crash between a launch and its commit launches again with the same
 * idempotency key, which the job's side uses to start it once.
 */
public final class LaunchLoop implements Runnable {
  private static final Logger LOG = Logger.getLogger(LaunchLoop.class);

  private final Consumer<String, byte[]> consumer;
  private final Producer<String, byte[]> producer;
  private final String runsTopic;
  private final Function<String, Optional<TriggerDefined>> triggers;
  private final JobLauncher launcher;
  private final Clock clock;
  private final TriggerMetrics metrics;
  private volatile boolean running = true;

  public LaunchLoop(
      Consumer<String, byte[]> consumer,
      Producer<String, byte[]> transactionalProducer,
      String runsTopic,
      Function<String, Optional<TriggerDefined>> triggers,
      JobLauncher launcher,
      TriggerMetrics metrics,
      Clock clock) {
    this.metrics = metrics;
    this.consumer = consumer;
    this.producer = transactionalProducer;
    this.runsTopic = runsTopic;
    this.triggers = triggers;
    this.launcher = launcher;
    this.clock = clock;
  }

  @Override
  public void run() {
    try {
      producer.initTransactions();
      consumer.subscribe(List.of(runsTopic));
      while (running) {
        ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
        if (!records.isEmpty()) {
          process(records);
        }
      }
    } catch (WakeupException e) {
      if (running) {
        throw e;
      }
    } finally {
      consumer.close(Duration.ofSeconds(5));
      producer.close(Duration.ofSeconds(5));
    }
  }

  private void process(ConsumerRecords<String, byte[]> records) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    try {
      producer.beginTransaction();
      for (ConsumerRecord<String, byte[]> record : records) {
        launch(record);
        offsets.put(
            new TopicPartition(record.topic(), record.partition()),
            new OffsetAndMetadata(record.offset() + 1));
      }
      producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
      producer.commitTransaction();
    } catch (KafkaException e) {
      LOG.warnf("launch transaction aborted, the batch is read again: %s", e.toString());
      try {
        producer.abortTransaction();
      } catch (KafkaException ignored) {
        // fenced or closing: the group rebalances and another instance goes on
      }
      rewind(records);
    }
  }

  private void launch(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      return;
    }
    Payload payload;
    try {
      payload = EventCodec.decode(record.value()).payload();
    } catch (EventDecodingException e) {
      return; // the decision core dead-letters what it cannot read on this topic
    }
    metrics.observed(payload);
    if (!(payload instanceof RunRequested run)) {
      return;
    }
    Optional<TriggerDefined> trigger = triggers.apply(run.triggerId());
    Instant now = clock.instant();
    Payload outcome;
    if (trigger.isEmpty()) {
      outcome =
          new RunFailed(
              run.runId(),
              run.triggerId(),
              run.attempt(),
              RunFailed.ErrorKind.PERMANENT,
              "trigger " + run.triggerId() + " is not defined",
              false,
              null,
              now);
    } else {
      JobLauncher.Outcome launched = launcher.launch(trigger.get().launcher(), run, producer);
      outcome =
          launched instanceof JobLauncher.Started started
              ? new RunStarted(
                  run.runId(),
                  run.triggerId(),
                  run.attempt(),
                  trigger.get().launcher().type().wireName(),
                  started.externalRunId(),
                  clock.instant())
              : new RunFailed(
                  run.runId(),
                  run.triggerId(),
                  run.attempt(),
                  ((JobLauncher.Failed) launched).kind(),
                  ((JobLauncher.Failed) launched).message(),
                  false,
                  null,
                  clock.instant());
    }
    if (outcome instanceof RunStarted) {
      metrics.launched(Duration.between(Instant.ofEpochMilli(record.timestamp()), clock.instant()));
    }
    LOG.infof(
        "run %s attempt %d: %s", run.runId(), run.attempt(), outcome.getClass().getSimpleName());
    producer.send(
        EventRecords.of(runsTopic, Event.of(outcome, Event.sourceOf("trigger-service"), now)));
  }

  private void rewind(ConsumerRecords<String, byte[]> records) {
    for (TopicPartition tp : records.partitions()) {
      consumer.seek(tp, records.records(tp).get(0).offset());
    }
  }

  public void close() {
    running = false;
    consumer.wakeup();
  }
}
