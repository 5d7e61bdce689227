package dev.floe.backfill.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floe.backfill.plan.BackfillPlanner;
import dev.floe.contracts.codec.EventCodec;
import dev.floe.contracts.model.ChunkPlan;
import dev.floe.contracts.model.Exactness;
import dev.floe.contracts.model.FieldRange;
import dev.floe.problem.Problem;
import dev.floe.problem.ProblemException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A plan's chunks in pages: what one Kafka transaction writes to the inbox. */
@Tag("unit")
class BackfillRequestsTest {

  @Test
  void thousandsOfChunksGoInPagesUnderTheRecordLimitInRunOrder() throws Exception {
    List<ChunkPlan> chunks = new ArrayList<>();
    for (int i = 0; i < 4_000; i++) {
      chunks.add(chunk(i, 40));
    }
    List<List<ChunkPlan>> pages = BackfillRequests.pages(plan(chunks));

    assertThat(pages).hasSizeGreaterThan(1);
    for (List<ChunkPlan> page : pages) {
      assertThat(EventCodec.mapper().writeValueAsBytes(page).length)
          .isLessThanOrEqualTo(BackfillRequests.PAGE_BYTES + 2 + page.size());
    }
    assertThat(pages.stream().flatMap(List::stream).map(ChunkPlan::index).toList())
        .as("every chunk once, in run order")
        .containsExactlyElementsOf(chunks.stream().map(ChunkPlan::index).toList());
  }

  @Test
  void aSmallPlanIsOnePage() {
    List<ChunkPlan> chunks = List.of(chunk(0, 10), chunk(1, 10));
    assertThat(BackfillRequests.pages(plan(chunks))).containsExactly(chunks);
  }

  @Test
  void aChunkTooLargeForARecordIsTheCallersFourHundredNamingTheChunking() {
    ChunkPlan huge = chunk(0, BackfillRequests.PAGE_BYTES);
    assertThatThrownBy(() -> BackfillRequests.pages(plan(List.of(huge))))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.errors())
                  .extracting(Problem.FieldError::field)
                  .containsExactly("chunking");
            });
  }

  /** A chunk whose range bounds take {@code width} characters and its index each. */
  private static ChunkPlan chunk(int index, int width) {
    String bound = "x".repeat(width) + index;
    return new ChunkPlan(
        "chunk-" + index,
        index,
        List.of(new FieldRange("order_ts", 3, "string", bound, bound, Exactness.EXACT)),
        null,
        1,
        10,
        100,
        null);
  }

  private static BackfillPlanner.Plan plan(List<ChunkPlan> chunks) {
    return new BackfillPlanner.Plan(null, chunks, 10L * chunks.size(), chunks.size(), 0);
  }
}
