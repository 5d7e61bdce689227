package dev.floe.trigger.it;

import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.topic.Topics;
import dev.floe.trigger.TestChanges;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Captured changes of captures {@code cap-0 .. cap-<n-1>}, sent to {@code floe.changes} one at a
 * time at a steady pace on a thread of their own until stopped: whatever the test does meanwhile
 * (kill, restart or stop an instance) never holds the stream up. Each change is kept with the time
 * it was handed to the producer and the time the broker acknowledged it.
 *
 * <p>{@link #start}, {@link #issued} and {@link #stop} are called from one test thread.
 */
final class ChangeStream implements AutoCloseable {
  /** One change: its event id, when it was handed to the producer and when the broker had it. */
  record Sent(int index, String eventId, Instant issued, Instant acked) {}

  private final Producer<String, byte[]> producer;
  private final int captures;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "chaos-change-stream"));
  private final AtomicInteger issued = new AtomicInteger();
  private final Map<Integer, Sent> acked = new ConcurrentHashMap<>();
  private final AtomicReference<Exception> failed = new AtomicReference<>();
  private ScheduledFuture<?> sending;

  ChangeStream(Producer<String, byte[]> producer, int captures) {
    this.producer = producer;
    this.captures = captures;
  }

  /** Sends one change every {@code pace}, from now on. */
  void start(Duration pace) {
    sending = timer.scheduleAtFixedRate(this::sendNext, 0, pace.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * How many changes were handed to the producer so far.
   *
   * @throws IllegalStateException when the stream has failed: nothing more would be sent
   */
  int issued() {
    if (sending.isDone() || failed.get() != null) {
      throw new IllegalStateException("the change stream failed", cause());
    }
    return issued.get();
  }

  /**
   * Stops sending, waits until the broker has acknowledged every change sent, and returns them in
   * the order they were sent.
   */
  List<Sent> stop() throws InterruptedException {
    int sent = issued();
    sending.cancel(false);
    timer.shutdown();
    if (!timer.awaitTermination(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the change stream did not stop");
    }
    producer.flush();
    if (failed.get() != null) {
      throw new IllegalStateException("a change was not sent", failed.get());
    }
    sent = issued.get();
    if (acked.size() != sent) {
      throw new IllegalStateException(acked.size() + " of " + sent + " changes acknowledged");
    }
    return acked.values().stream().sorted(Comparator.comparingInt(Sent::index)).toList();
  }

  private void sendNext() {
    int i = issued.get() + 1;
    String capture = "cap-" + (i % captures);
    Event event = Event.of(TestChanges.appended(capture, i), Event.sourceOf("test"), Instant.now());
    Instant at = Instant.now();
    producer.send(
        new ProducerRecord<>(Topics.CHANGES, capture, EventCodec.encode(event)),
        (metadata, e) -> {
          if (e != null) {
            failed.compareAndSet(null, e);
          } else {
            acked.put(i, new Sent(i, event.id(), at, Instant.now()));
          }
        });
    issued.set(i);
  }

  private Throwable cause() {
    if (failed.get() != null) {
      return failed.get();
    }
    try {
      sending.get();
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e;
    } catch (java.util.concurrent.CancellationException e) {
      return e;
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
