package dev.floe.broker;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.jboss.logging.Logger;

/**
 * The start-up and stop sequence every Floe service shares. The broker may be down when a service
 * starts: the service then starts anyway, reports what it waits for through {@link #state()} (the
 * readiness check shows it), and keeps trying. Once the topics exist, the service's writer (the
 * producer its REST API writes with) is made and the service's own start-up runs on the same
 * thread: reading its definitions ({@link #readDefinitions}), then starting its engine.
 *
 * <p>Thread-safe: the start-up thread and the stop and REST threads share it.
 *
 * <p>Stopping runs in a fixed order: the service stops its engine, the start-up thread ends, then
 * what the start-up registered is closed in reverse order, the writer last.
 */
public final class ServiceStartup {
  private static final Logger LOG = Logger.getLogger(ServiceStartup.class);
  private static final Duration RETRY = Duration.ofSeconds(2);
  private static final Duration JOIN = Duration.ofSeconds(15);

  private final String service;
  private final KafkaClients kafka;
  private final Supplier<List<TopicSpec>> topics;
  private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
  private volatile Producer<String, byte[]> writer;
  private volatile String state = "preparing Kafka topics";
  private volatile boolean stopping;
  private volatile Thread thread;

  public ServiceStartup(String service, KafkaClients kafka, Supplier<List<TopicSpec>> topics) {
    this.service = service;
    this.kafka = kafka;
    this.topics = topics;
  }

  /**
   * Starts the start-up thread ({@code threadName}): prepares the topics, retrying while Kafka is
   * not reachable, makes the writer, then runs {@code body}, which may go on running the service's
   * loop until {@link #stop}.
   */
  public void start(String threadName, Runnable body) {
    thread =
        new Thread(
            () -> {
              if (prepareTopics()) {
                writer =
                    kafka.producer(
                        Map.of(
                            ProducerConfig.ACKS_CONFIG,
                            "all",
                            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                            true,
                            ProducerConfig.LINGER_MS_CONFIG,
                            0));
                body.run();
              }
            },
            threadName);
    thread.start();
  }

  private boolean prepareTopics() {
    while (!stopping) {
      try (var admin = kafka.admin()) {
        TopicBootstrap.ensure(admin, topics.get(), Duration.ofSeconds(10));
        return true;
      } catch (RuntimeException e) {
        state = "waiting for Kafka: " + e.getMessage();
        LOG.warnf("%s: %s", service, state);
        if (!pause(RETRY)) {
          return false;
        }
      }
    }
    return false;
  }

  /**
   * Starts {@code reader} and waits until it has read the definitions that existed when it started,
   * so that no input is taken for one of no known definition; warns every 30 s while it waits.
   * Answers false when the service stopped first. The reader is closed on stop.
   */
  public boolean readDefinitions(CompactedTopicReader reader, String what, String probeClientId) {
    closeOnStop(reader);
    reader.start();
    state = "reading " + what;
    while (!stopping) {
      try (var probe = kafka.consumer(KafkaClients.readCommittedFromStart(probeClientId))) {
        if (reader.awaitCaughtUp(probe, Duration.ofSeconds(30))) {
          break;
        }
        LOG.warnf("%s: %s not all read after 30 s; still waiting", service, what);
      } catch (RuntimeException e) {
        // The broker went away meanwhile: keep trying, as at start-up.
        state = "reading " + what + ": " + e.getMessage();
        LOG.warnf("%s: %s", service, state);
        pause(RETRY);
      }
    }
    return !stopping;
  }

  /** Closes {@code closeable} on stop, before what was registered earlier. */
  public <T extends AutoCloseable> T closeOnStop(T closeable) {
    synchronized (closeables) {
      closeables.push(closeable);
    }
    return closeable;
  }

  /**
   * Stops the service: {@code stopEngine} tells its loops to end, the start-up thread is given 15 s
   * to finish, then the registered resources and the writer are closed.
   */
  public void stop(Runnable stopEngine) {
    stopping = true;
    stopEngine.run();
    if (thread != null) {
      try {
        thread.join(JOIN.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (closeables) {
      while (!closeables.isEmpty()) {
        try {
          closeables.pop().close();
        } catch (Exception e) {
          LOG.debugf("%s: while stopping: %s", service, e.toString());
        }
      }
    }
    Producer<String, byte[]> w = writer;
    if (w != null) {
      w.close(Duration.ofSeconds(5));
    }
  }

  /** Sleeps; false when interrupted, which stops the service. */
  public boolean pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping = true;
      return false;
    }
  }

  public boolean stopping() {
    return stopping;
  }

  /** What the service waits for; {@code running} once its start-up is done. */
  public String state() {
    return state;
  }

  public void state(String state) {
    this.state = state;
  }

  /** The producer the REST API writes with; null until the topics are ready. */
  public Producer<String, byte[]> writer() {
    return writer;
  }

  public KafkaClients kafka() {
    return kafka;
  }
}
