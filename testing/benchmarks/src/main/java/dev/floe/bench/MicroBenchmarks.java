package dev.floe.bench;

import dev.floe.bench.Figures.Figure;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The JMH micro-benchmarks of {@code dev.floe.bench.micro}: the hot paths under the end-to-end
 * figures. One fork, 3 warm-up and 5 measured iterations of one second each; about a minute in all.
 *
 * <pre>testing/bin/floe-bench micro [--include EventCodec]</pre>
 */
public final class MicroBenchmarks {
  private MicroBenchmarks() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = Bench.options(args);
    Options jmh =
        new OptionsBuilder()
            .include("dev\\.floe\\.bench\\.micro\\..*" + options.getOrDefault("--include", ""))
            .forks(1)
            .warmupIterations(3)
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(5)
            .measurementTime(TimeValue.seconds(1))
            .resultFormat(ResultFormatType.JSON)
            .result("testing/benchmarks/target/micro.json")
            .build();
    Collection<RunResult> results = new Runner(jmh).run();

    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            "%nMicro-benchmarks (JMH, 1 fork, 5 x 1 s after 3 x 1 s warm-up), %d cores:%n%n",
            Runtime.getRuntime().availableProcessors()));
    out.append("| benchmark | ops/s | ± (99.9%) |\n|---|---|---|\n");
    List<Figure> figures = new ArrayList<>();
    for (RunResult result : results) {
      String name = name(result);
      double score = result.getPrimaryResult().getScore();
      out.append(
          String.format(
              "| %s | %,.0f | %,.0f |%n", name, score, result.getPrimaryResult().getScoreError()));
      figures.add(Figure.higher("micro " + name + " ops/s", score, 0.3));
    }
    System.out.println(out);
    Figures.record("micro", figures);
  }

  /** {@code EventCodecBenchmark.decode}, with its parameters if any. */
  private static String name(RunResult result) {
    String label = result.getParams().getBenchmark();
    label = label.substring(label.lastIndexOf('.', label.lastIndexOf('.') - 1) + 1);
    StringBuilder params = new StringBuilder();
    for (String key : result.getParams().getParamsKeys()) {
      params
          .append(params.isEmpty() ? " (" : ", ")
          .append(key)
          .append('=')
          .append(result.getParams().getParam(key));
    }
    return params.isEmpty() ? label : label + params + ")";
  }
}
