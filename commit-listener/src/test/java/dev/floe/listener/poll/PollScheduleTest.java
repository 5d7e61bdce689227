package dev.floe.listener.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class PollScheduleTest {
  private static final Instant T0 = Instant.parse("2026-11-26T00:00:00Z");
  private final PollSchedule schedule =
      new PollSchedule(Duration.ofSeconds(1), Duration.ofSeconds(8));

  @Test
  void aNewTableIsDueAtOnce() {
    assertThat(schedule.isDue("t", T0)).isTrue();
  }

  @Test
  void idleTablesBackOffUpToTheMaximum() {
    Instant now = T0;
    for (int i = 0; i < 6; i++) {
      schedule.polled("t", now, false, false);
      now = now.plus(schedule.interval("t"));
    }

    assertThat(schedule.interval("t")).isEqualTo(Duration.ofSeconds(8));
    assertThat(schedule.isDue("t", now.minusMillis(1))).isFalse();
    assertThat(schedule.isDue("t", now)).isTrue();
  }

  @Test
  void aTableThatChangedIsPolledAgainSoon() {
    schedule.polled("t", T0, false, false);
    schedule.polled("t", T0, false, false);

    schedule.polled("t", T0, true, false);

    assertThat(schedule.interval("t")).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void failuresBackOffLikeIdlePolls() {
    schedule.polled("t", T0, true, true);

    assertThat(schedule.interval("t")).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void aHintMakesAnIdleTableDueNow() {
    schedule.polled("t", T0, false, false);
    schedule.polled("t", T0, false, false);

    schedule.hint("t", T0.plusMillis(10));

    assertThat(schedule.isDue("t", T0.plusMillis(10))).isTrue();
    assertThat(schedule.interval("t")).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void aHintDuringAPollMakesTheTableDueAgainAtOnce() {
    schedule.polled("t", T0, false, false);
    Instant started = T0.plusSeconds(2);
    schedule.hint("t", started.plusMillis(5));

    schedule.polled("t", started, started.plusMillis(20), false, false);

    assertThat(schedule.isDue("t", started.plusMillis(20))).isTrue();
  }

  @Test
  void aHintBeforeAPollStartedIsConsumedByIt() {
    schedule.hint("t", T0);

    schedule.polled("t", T0.plusMillis(1), T0.plusMillis(20), false, false);

    assertThat(schedule.isDue("t", T0.plusMillis(20))).isFalse();
  }

  @Test
  void rejectsAnEmptyRange() {
    assertThatThrownBy(() -> new PollSchedule(Duration.ofSeconds(5), Duration.ofSeconds(1)))
        .hasMessageContaining("min");
  }
}
