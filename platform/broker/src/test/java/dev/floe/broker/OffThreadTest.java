package dev.floe.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Work handed off a decision thread: waited for once, looked at later, one per key at a time. */
@Tag("unit")
class OffThreadTest {
  private final ExecutorService workers = Executors.newFixedThreadPool(2);
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger runs = new AtomicInteger();

  @AfterEach
  void stop() {
    release.countDown();
    workers.shutdownNow();
  }

  private String held(String value) {
    runs.incrementAndGet();
    try {
      release.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return value;
  }

  @Test
  void theCallerWaitsOnlyWhenTheWorkStartsAndGetsItsResultOnce() {
    OffThread<String> off =
        new OffThread<>(
            workers,
            Duration.ofMillis(300),
            Duration.ofMinutes(1),
            Duration.ofMinutes(5),
            Clock.systemUTC());
    long started = System.nanoTime();
    assertThat(off.result("k", "v1", () -> held("a"))).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
    // Later looks do not wait, and start nothing more.
    long looked = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      assertThat(off.result("k", "v1", () -> held("again"))).isEmpty();
    }
    // Twenty looks take less than one inline wait each: far less than 20 x 300 ms.
    assertThat(Duration.ofNanos(System.nanoTime() - looked)).isLessThan(Duration.ofSeconds(2));
    assertThat(runs).hasValue(1);

    release.countDown();
    AtomicReference<Optional<String>> got = new AtomicReference<>(Optional.empty());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              got.set(off.result("k", "v1", () -> held("again")));
              return got.get().isPresent();
            });
    assertThat(got.get()).contains("a");
    assertThat(runs).hasValue(1);
    // Collected once: the next ask is new work.
    assertThat(off.result("k", "v1", () -> "fresh")).contains("fresh");
  }

  @Test
  void anotherVersionOfAKeyWaitsForTheOneRunning() {
    OffThread<String> off =
        new OffThread<>(
            workers,
            Duration.ofMillis(20),
            Duration.ofMinutes(1),
            Duration.ofMinutes(5),
            Clock.systemUTC());
    assertThat(off.result("run-1", "changes-a", () -> held("a"))).isEmpty();
    assertThat(off.result("run-1", "changes-b", () -> held("b"))).isEmpty();
    assertThat(runs).as("b does not start while a runs").hasValue(1);
    release.countDown();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> off.result("run-1", "changes-b", () -> "b").equals(Optional.of("b")));
  }

  @Test
  void failuresAndOverrunsAreThrownToTheCallerAndAClosedPoolStartsNothing() {
    OffThread<String> off =
        new OffThread<>(
            workers,
            Duration.ofMillis(500),
            Duration.ofMillis(100),
            Duration.ofMinutes(5),
            Clock.systemUTC());
    assertThatThrownBy(
            () ->
                off.result(
                    "bad",
                    "",
                    () -> {
                      throw new IllegalArgumentException("refused");
                    }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("refused");
    assertThatThrownBy(() -> off.result("slow", "", () -> held("late")))
        .isInstanceOf(OffThread.TimedOut.class);
    // Still running: asked again it is still past its limit, and no second one starts beside it.
    assertThatThrownBy(() -> off.result("slow", "", () -> held("again")))
        .isInstanceOf(OffThread.TimedOut.class);
    assertThat(off.result("slow", "other", () -> held("other"))).isEmpty();
    assertThat(runs).hasValue(1);

    workers.shutdownNow();
    assertThat(off.result("after", "", () -> "never")).isEmpty();
  }
}
