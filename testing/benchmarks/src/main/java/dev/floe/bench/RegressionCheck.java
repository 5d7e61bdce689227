package dev.floe.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.floe.bench.Figures.Better;
import dev.floe.bench.Figures.Figure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Compares the figures of the last benchmark runs with the committed baseline and fails when one
 * has regressed by more than its tolerance. A figure of a benchmark that was not run is reported,
 * not failed; a figure missing from the baseline is reported as new.
 *
 * <pre>
 * java dev.floe.bench.RegressionCheck [--baseline testing/benchmarks/baseline.json]
 *     [--figures testing/benchmarks/target/figures] [--update true]
 * </pre>
 *
 * With {@code --update true} it writes the figures of the last runs into the baseline instead, as
 * is done when the figures in docs/performance.md are refreshed.
 */
public final class RegressionCheck {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private RegressionCheck() {}

  enum Status {
    OK,
    REGRESSED,
    NEW,
    NOT_RUN
  }

  /**
   * @param limit the worst value the figure may take; NaN when there is nothing to compare
   */
  record Verdict(String name, Double baseline, Double now, double limit, Status status) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = Bench.options(args);
    Path baselineFile =
        Path.of(options.getOrDefault("--baseline", "testing/benchmarks/baseline.json"));
    Path dir = Path.of(options.getOrDefault("--figures", Figures.DIR.toString()));
    Map<String, Figure> now = Figures.recorded(dir);
    if (now.isEmpty()) {
      System.err.println("no figures under " + dir + ": run a benchmark first");
      System.exit(2);
    }
    Map<String, Double> baseline =
        Files.exists(baselineFile)
            ? JSON.readValue(baselineFile.toFile(), new TypeReference<TreeMap<String, Double>>() {})
            : new TreeMap<>();
    if (Boolean.parseBoolean(options.getOrDefault("--update", "false"))) {
      now.forEach((name, f) -> baseline.put(name, f.value()));
      JSON.writeValue(baselineFile.toFile(), baseline);
      System.out.println("wrote " + now.size() + " figures into " + baselineFile);
      return;
    }
    List<Verdict> verdicts = compare(baseline, now);
    System.out.println(print(verdicts, baselineFile));
    if (verdicts.stream().anyMatch(v -> v.status() == Status.REGRESSED)) {
      System.exit(1);
    }
  }

  static List<Verdict> compare(Map<String, Double> baseline, Map<String, Figure> now) {
    Map<String, Verdict> verdicts = new TreeMap<>();
    now.forEach(
        (name, f) -> {
          Double base = baseline.get(name);
          if (base == null) {
            verdicts.put(name, new Verdict(name, null, f.value(), Double.NaN, Status.NEW));
            return;
          }
          double limit =
              f.better() == Better.LOWER ? base * (1 + f.tolerance()) : base * (1 - f.tolerance());
          boolean worse = f.better() == Better.LOWER ? f.value() > limit : f.value() < limit;
          verdicts.put(
              name,
              new Verdict(name, base, f.value(), limit, worse ? Status.REGRESSED : Status.OK));
        });
    baseline.forEach(
        (name, base) ->
            verdicts.putIfAbsent(name, new Verdict(name, base, null, Double.NaN, Status.NOT_RUN)));
    return new ArrayList<>(verdicts.values());
  }

  private static String print(List<Verdict> verdicts, Path baselineFile) {
    StringBuilder out = new StringBuilder();
    out.append(String.format("%nFigures against %s:%n%n", baselineFile));
    out.append("| figure | baseline | now | worst allowed | verdict |\n|---|---|---|---|---|\n");
    for (Verdict v : verdicts) {
      out.append(
          String.format(
              "| %s | %s | %s | %s | %s |%n",
              v.name(),
              number(v.baseline()),
              number(v.now()),
              Double.isNaN(v.limit()) ? "" : number(v.limit()),
              v.status().name().toLowerCase().replace('_', ' ')));
    }
    long regressed = verdicts.stream().filter(v -> v.status() == Status.REGRESSED).count();
    out.append(
        regressed == 0
            ? String.format("%nNo figure regressed.%n")
            : String.format("%n%d figure(s) REGRESSED.%n", regressed));
    return out.toString();
  }

  private static String number(Double value) {
    if (value == null) {
      return "";
    }
    return Math.abs(value) >= 100 ? String.format("%,.0f", value) : String.format("%.3g", value);
  }
}
