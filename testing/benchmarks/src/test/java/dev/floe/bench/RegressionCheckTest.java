package dev.floe.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.bench.Figures.Figure;
import dev.floe.bench.RegressionCheck.Status;
import dev.floe.bench.RegressionCheck.Verdict;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("unit")
class RegressionCheckTest {

  @Test
  void aFigureWorseThanItsToleranceRegressesInTheDirectionItImproves() {
    Map<String, Double> baseline =
        Map.of("latency ms", 100.0, "ops/s", 1_000.0, "ratio", 0.075, "slower ops/s", 1_000.0);
    Map<String, Figure> now =
        Map.of(
            "latency ms", Figure.lower("latency ms", 151, 0.5),
            "ops/s", Figure.higher("ops/s", 1_500, 0.3),
            "ratio", Figure.lower("ratio", 0.070, 0.05),
            "slower ops/s", Figure.higher("slower ops/s", 699, 0.3));

    Map<String, Verdict> verdicts = byName(RegressionCheck.compare(baseline, now));

    assertThat(verdicts.get("latency ms").status()).isEqualTo(Status.REGRESSED);
    assertThat(verdicts.get("latency ms").limit()).isEqualTo(150.0);
    assertThat(verdicts.get("ops/s").status()).isEqualTo(Status.OK);
    assertThat(verdicts.get("ratio").status()).isEqualTo(Status.OK);
    assertThat(verdicts.get("slower ops/s").status()).isEqualTo(Status.REGRESSED);
    assertThat(verdicts.get("slower ops/s").limit()).isEqualTo(700.0);
  }

  @Test
  void aFigureWithinItsToleranceIsNotARegression() {
    Map<String, Verdict> verdicts =
        byName(
            RegressionCheck.compare(
                Map.of("latency ms", 100.0, "ops/s", 1_000.0),
                Map.of(
                    "latency ms", Figure.lower("latency ms", 150, 0.5),
                    "ops/s", Figure.higher("ops/s", 700, 0.3))));

    assertThat(verdicts.values()).extracting(Verdict::status).containsOnly(Status.OK);
  }

  @Test
  void figuresOfBenchmarksNotRunAreReportedNotFailedAndNewOnesAreListed() {
    Map<String, Verdict> verdicts =
        byName(
            RegressionCheck.compare(
                Map.of("pipeline p50 ms", 400.0),
                Map.of("micro ops/s", Figure.higher("micro ops/s", 10, 0.3))));

    assertThat(verdicts.get("pipeline p50 ms").status()).isEqualTo(Status.NOT_RUN);
    assertThat(verdicts.get("micro ops/s").status()).isEqualTo(Status.NEW);
  }

  @Test
  void recordedFiguresAreReadBackFromEveryBenchmark(@TempDir Path dir) throws Exception {
    Figures.record(dir, "one", List.of(Figure.lower("a", 1.5, 0.1)));
    Figures.record(dir, "two", List.of(Figure.higher("b", 2.5, 0.3)));

    assertThat(Figures.recorded(dir))
        .containsEntry("a", Figure.lower("a", 1.5, 0.1))
        .containsEntry("b", Figure.higher("b", 2.5, 0.3));
  }

  private static Map<String, Verdict> byName(List<Verdict> verdicts) {
    return verdicts.stream().collect(Collectors.toMap(Verdict::name, v -> v));
  }
}
