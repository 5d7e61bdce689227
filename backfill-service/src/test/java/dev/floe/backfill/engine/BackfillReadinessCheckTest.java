package dev.floe.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** When the decision core counts as serving backfills, for readiness. */
@Tag("unit")
class BackfillReadinessCheckTest {
  @Test
  void aRebalanceCountsOnlyAfterTheFirstAssignment() {
    assertThat(BackfillReadinessCheck.deciding(State.CREATED, false)).isFalse();
    assertThat(BackfillReadinessCheck.deciding(State.REBALANCING, false)).isFalse();
    assertThat(BackfillReadinessCheck.deciding(State.RUNNING, false)).isTrue();
    assertThat(BackfillReadinessCheck.deciding(State.REBALANCING, true)).isTrue();
    assertThat(BackfillReadinessCheck.deciding(State.ERROR, true)).isFalse();
    assertThat(BackfillReadinessCheck.deciding(null, false)).isFalse();
  }
}
