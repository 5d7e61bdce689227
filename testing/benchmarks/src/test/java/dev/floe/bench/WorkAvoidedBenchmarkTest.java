package dev.floe.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.stack.test.FloeStack;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The work-avoided benchmark at a small scale, untimed: its incremental job, on the ICDC states the
 * capture commits, must give the look-back's figures every day (the run fails otherwise), while
 * reading only the day's rows.
 */
@Tag("unit")
class WorkAvoidedBenchmarkTest {
  @Test
  @Timeout(120)
  void theIncrementalJobAgreesWithTheLookBackReadingOneDayInFourteen() throws Exception {
    List<WorkAvoidedBenchmark.Day> days =
        WorkAvoidedBenchmark.run(500, 10, 2, FloeStack.workDir("bench-work-avoided-test"));

    assertThat(days).hasSize(2);
    for (WorkAvoidedBenchmark.Day day : days) {
      assertThat(day.incremental().rows()).isEqualTo(500);
      // The window holds 14 days of rows; late ones of its first day's commit fall before it.
      assertThat(day.lookBack().rows()).isBetween(13L * 500, 14L * 500 + 150);
      assertThat(day.incremental().bytes()).isLessThan(day.lookBack().bytes() / 3);
    }
  }
}
