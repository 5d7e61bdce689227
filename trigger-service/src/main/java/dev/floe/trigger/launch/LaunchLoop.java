package dev.floe.trigger.launch;

import dev.floe.broker.EventRecords;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.codec.EventDecodingException;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.Payload;
import dev.floe.contracts.event.RunFailed;
import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.event.RunStarted;
import dev.floe.contracts.event.RunSucceeded;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.trigger.status.TriggerMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
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
 * with the consumed offsets.
 *
 * <p>Nothing here waits for a job's endpoint. A call, its time-out and its back-off run on the HTTP
 * client's threads; this thread keeps reading, starts the runs of other triggers, and writes each
 * outcome when it arrives. A trigger's runs launch one at a time, in order, so a hanging endpoint
 * holds back only its own trigger. The committed position of a partition is its oldest run not yet
 * answered: a crash launches the runs from there again with the same idempotency keys, which the
 * job's side uses to start each once. The loop reads the outcomes on {@code floe.runs} too: an
 * attempt reported there (by this loop before a crash, or by its job) is not launched again and
 * gets no second outcome.
 */
public final class LaunchLoop implements Runnable {
  private static final Logger LOG = Logger.getLogger(LaunchLoop.class);

  /** Runs read and not answered, at most: past it the loop stops fetching until some are. */
  static final int MAX_OPEN = 1_000;

  /** Run ids and attempts this instance answered, remembered to skip them when read again. */
  private static final int ANSWERED_REMEMBERED = 10_000;

  private final Consumer<String, byte[]> consumer;
  private final Producer<String, byte[]> producer;
  private final String runsTopic;
  private final Function<String, Optional<TriggerDefined>> triggers;
  private final JobLauncher launcher;
  private final int concurrency;
  private final Clock clock;
  private final TriggerMetrics metrics;
  private final LaunchBook book;

  /**
   * How long calls in flight are waited for when their partitions go (a rebalance, a shutdown), so
   * that their outcomes are written here and the next owner does not call again.
   */
  public static final Duration HAND_OVER_WAIT = Duration.ofSeconds(5);

  /** Outcomes of calls, handed over by the HTTP client's threads. */
  private final BlockingQueue<Answer> answers = new LinkedBlockingQueue<>();

  private final Set<String> answered =
      Collections.newSetFromMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > ANSWERED_REMEMBERED;
            }
          });

  /**
   * Partitions just assigned, with the end they had then: nothing of them is launched before the
   * loop has read that far, so that an outcome already on the topic is known first.
   */
  private final Map<TopicPartition, Long> catchingUp = new HashMap<>();

  private volatile boolean running = true;

  /** A launch's outcome; null for a command launcher, which launches as the outcome is written. */
  private record Answer(
      LaunchBook.Entry entry, TriggerDefined trigger, JobLauncher.Outcome outcome) {}

  /**
   * @param concurrency HTTP calls in flight at most; further runs wait for one to be answered
   */
  public LaunchLoop(
      Consumer<String, byte[]> consumer,
      Producer<String, byte[]> transactionalProducer,
      String runsTopic,
      Function<String, Optional<TriggerDefined>> triggers,
      JobLauncher launcher,
      int concurrency,
      TriggerMetrics metrics,
      Clock clock) {
    this.metrics = metrics;
    this.consumer = consumer;
    this.producer = transactionalProducer;
    this.runsTopic = runsTopic;
    this.triggers = triggers;
    this.launcher = launcher;
    this.concurrency = concurrency;
    // Half the calls at most for one trigger's backfill chunks: a hanging endpoint leaves the rest.
    this.book = new LaunchBook(Math.max(1, concurrency / 2));
    this.clock = clock;
  }

  @Override
  public void run() {
    try {
      producer.initTransactions();
      consumer.subscribe(List.of(runsTopic), new Rebalance());
      while (running) {
        // While calls are out, their answers are looked for often; otherwise the poll waits.
        Duration wait = book.size() > 0 ? Duration.ofMillis(20) : Duration.ofMillis(200);
        ConsumerRecords<String, byte[]> records = consumer.poll(wait);
        List<Payload> payloads = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records) {
          Payload payload = decode(record);
          payloads.add(payload);
          noteReported(payload);
        }
        int i = 0;
        for (ConsumerRecord<String, byte[]> record : records) {
          read(record, payloads.get(i++));
        }
        caughtUp();
        start();
        commit();
        throttle();
      }
    } catch (WakeupException e) {
      if (running) {
        throw e;
      }
    } finally {
      handOver(book.partitions());
      // What is still open is the next owner's: closing hands the partitions over at once.
      book.forget(book.partitions());
      consumer.close(Duration.ofSeconds(5));
      producer.close(Duration.ofSeconds(5));
    }
  }

  /** The record's event; null for a tombstone or what does not decode. */
  private Payload decode(ConsumerRecord<String, byte[]> record) {
    if (record.value() == null) {
      return null;
    }
    try {
      Payload payload = EventCodec.decode(record.value()).payload();
      metrics.observed(payload);
      return payload;
    } catch (EventDecodingException e) {
      return null; // the decision core dead-letters what it cannot read on this topic
    }
  }

  /**
   * An attempt whose outcome is on {@code floe.runs} (written here before a crash, or reported by
   * its job) is launched no more, and gets no second outcome from here.
   */
  private void noteReported(Payload payload) {
    if (payload instanceof RunStarted s) {
      answered.add(key(s.runId(), s.attempt()));
    } else if (payload instanceof RunFailed f) {
      answered.add(key(f.runId(), f.attempt()));
    } else if (payload instanceof RunSucceeded s) {
      answered.add(key(s.runId(), s.attempt()));
    }
  }

  private void read(ConsumerRecord<String, byte[]> record, Payload payload) {
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    if (payload instanceof RunRequested run && !answered.contains(key(run))) {
      book.request(new LaunchBook.Entry(partition, record.offset(), run, record.timestamp()));
    } else {
      book.read(partition, record.offset());
    }
  }

  /** Partitions read up to the end they had when assigned may launch. */
  private void caughtUp() {
    catchingUp.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
  }

  /**
   * Starts the runs whose trigger has nothing launching, within the concurrency limit; a run whose
   * outcome was read meanwhile is closed without a call.
   */
  private void start() {
    book.drop(e -> answered.contains(key(e.run())));
    for (LaunchBook.Entry entry :
        book.startable(concurrency - book.launching(), p -> !catchingUp.containsKey(p))) {
      Optional<TriggerDefined> trigger = triggers.apply(entry.run().triggerId());
      if (trigger.isEmpty() || JobLauncher.writesCommand(trigger.get().launcher())) {
        answers.add(new Answer(entry, trigger.orElse(null), null));
        continue;
      }
      launcher
          .call(trigger.get().launcher(), entry.run())
          .whenComplete(
              (outcome, error) ->
                  answers.add(
                      new Answer(
                          entry,
                          trigger.get(),
                          error == null
                              ? outcome
                              : new JobLauncher.Failed(
                                  RunFailed.ErrorKind.TRANSIENT, error.toString()))));
    }
  }

  /** Writes the outcomes that arrived and moves the committed positions, in one transaction. */
  private void commit() {
    List<Answer> ready = new ArrayList<>();
    for (Answer answer = answers.poll(); answer != null; answer = answers.poll()) {
      if (book.launching(answer.entry())) {
        ready.add(answer);
      }
    }
    ready.forEach(a -> book.answered(a.entry()));
    // Reported meanwhile (by the job, or read again after a crash): no second outcome.
    ready.removeIf(a -> answered.contains(key(a.entry().run())));
    Map<TopicPartition, OffsetAndMetadata> positions = book.positions();
    if (ready.isEmpty() && positions.isEmpty()) {
      return;
    }
    try {
      producer.beginTransaction();
      List<Payload> outcomes = new ArrayList<>();
      for (Answer answer : ready) {
        outcomes.add(write(answer));
      }
      if (!positions.isEmpty()) {
        producer.sendOffsetsToTransaction(positions, consumer.groupMetadata());
      }
      producer.commitTransaction();
      book.committed(positions);
      for (int i = 0; i < ready.size(); i++) {
        RunRequested run = ready.get(i).entry().run();
        answered.add(key(run));
        if (outcomes.get(i) instanceof RunStarted) {
          metrics.launched(
              Duration.between(
                  Instant.ofEpochMilli(ready.get(i).entry().requestedAtMs()), clock.instant()));
        }
        LOG.infof(
            "run %s attempt %d: %s",
            run.runId(), run.attempt(), outcomes.get(i).getClass().getSimpleName());
      }
    } catch (KafkaException e) {
      LOG.warnf("launch transaction aborted, the runs are read again: %s", e.toString());
      try {
        producer.abortTransaction();
      } catch (KafkaException ignored) {
        // fenced or closing: the group rebalances and another instance goes on
      }
      rewind();
    }
  }

  private Payload write(Answer answer) {
    RunRequested run = answer.entry().run();
    Instant now = clock.instant();
    Payload outcome;
    if (answer.trigger() == null) {
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
      JobLauncher.Outcome launched =
          answer.outcome() != null
              ? answer.outcome()
              : launcher.command(answer.trigger().launcher(), run, producer);
      outcome =
          launched instanceof JobLauncher.Started started
              ? new RunStarted(
                  run.runId(),
                  run.triggerId(),
                  run.attempt(),
                  answer.trigger().launcher().type().wireName(),
                  started.externalRunId(),
                  now)
              : new RunFailed(
                  run.runId(),
                  run.triggerId(),
                  run.attempt(),
                  ((JobLauncher.Failed) launched).kind(),
                  ((JobLauncher.Failed) launched).message(),
                  false,
                  null,
                  now);
    }
    producer.send(
        EventRecords.of(runsTopic, Event.of(outcome, Event.sourceOf("trigger-service"), now)));
    return outcome;
  }

  /** Reads every partition again from its committed position; answers in flight are dropped. */
  private void rewind() {
    Map<TopicPartition, Long> points = book.rewindPoints();
    book.forget(book.partitions());
    points.forEach(
        (partition, offset) -> {
          if (consumer.assignment().contains(partition)) {
            consumer.seek(partition, offset);
          }
        });
  }

  /** Stops fetching while too many runs are open, and goes on once half of them are answered. */
  private void throttle() {
    if (book.size() >= MAX_OPEN && consumer.paused().isEmpty()) {
      // A partition catching up is read on: its runs launch only once it has.
      Set<TopicPartition> pause = new HashSet<>(consumer.assignment());
      pause.removeAll(catchingUp.keySet());
      consumer.pause(pause);
    } else if (book.size() < MAX_OPEN / 2 && !consumer.paused().isEmpty()) {
      consumer.resume(consumer.paused());
    }
  }

  private static String key(RunRequested run) {
    return key(run.runId(), run.attempt());
  }

  private static String key(String runId, int attempt) {
    return runId + "/" + attempt;
  }

  /**
   * Waits a while for the calls in flight on {@code partitions}, writing each outcome as it comes,
   * before the partitions go: a rebalance or a shutdown then repeats no call that was answered.
   */
  private void handOver(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + HAND_OVER_WAIT.toNanos();
    try {
      while (book.launchingIn(partitions) && System.nanoTime() < deadline) {
        Answer next = answers.poll(50, TimeUnit.MILLISECONDS);
        if (next != null) {
          answers.add(next);
          commit();
        }
      }
      commit();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (KafkaException e) {
      LOG.warnf("outcomes not written before the hand-over, the next owner calls again: %s", e);
    }
  }

  /** Calls in flight are waited for a while; the runs still open are the next owner's. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      handOver(partitions);
      book.forget(partitions);
      partitions.forEach(catchingUp::remove);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      consumer
          .endOffsets(partitions)
          .forEach(
              (partition, end) -> {
                if (consumer.position(partition) < end) {
                  catchingUp.put(partition, end);
                }
              });
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      book.forget(partitions);
      partitions.forEach(catchingUp::remove);
    }
  }

  public void close() {
    running = false;
    consumer.wakeup();
  }
}
