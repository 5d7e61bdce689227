package dev.floe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ProgressBarTest {
  private static final String HALF =
      "{\"id\": \"bf\", \"state\": \"running\", \"progress\": 50.0, \"remaining\": \"PT1M30S\","
          + " \"totals\": {\"chunks\": 30}, \"chunkStates\": {\"validated\": 14, \"failed\": 1,"
          + " \"running\": 3, \"pending\": 12}}";

  @Test
  void showsTheShareOfChunksEndedWhatRunsWhatFailedAndTheEta() throws Exception {
    String line = ProgressBar.render(BackfillApi.JSON.readTree(HALF));
    assertThat(line)
        .startsWith("[###############...............]  50.0%  15/30 chunks")
        .contains("running 3", "failed 1", "ETA 1m30s", "running");
  }

  @Test
  void outsideATerminalItPrintsALineOnlyWhenTheViewChanges() throws Exception {
    StringWriter out = new StringWriter();
    ProgressBar bar = new ProgressBar(new PrintWriter(out), false);
    bar.show(BackfillApi.JSON.readTree(HALF));
    bar.show(BackfillApi.JSON.readTree(HALF));
    bar.end();
    assertThat(out.toString().lines()).hasSize(1);
  }
}
