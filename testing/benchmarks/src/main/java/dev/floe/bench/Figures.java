package dev.floe.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The headline figures of benchmark runs, kept under {@code testing/benchmarks/target/figures/}
 * (from the repository root, where {@code testing/bin/floe-bench} runs) for {@link
 * RegressionCheck}: one JSON file per benchmark, written when the benchmark finishes.
 */
final class Figures {
  static final Path DIR = Path.of("testing/benchmarks/target/figures");
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Figures() {}

  /** Which way a figure improves. */
  enum Better {
    LOWER,
    HIGHER
  }

  /**
   * One figure of one run.
   *
   * @param tolerance how much worse than its baseline, as a fraction of the baseline, the figure
   *     may be before it counts as a regression: small for counts that do not depend on the
   *     machine, large for latencies on shared cores
   */
  record Figure(String name, double value, Better better, double tolerance) {
    static Figure lower(String name, double value, double tolerance) {
      return new Figure(name, value, Better.LOWER, tolerance);
    }

    static Figure higher(String name, double value, double tolerance) {
      return new Figure(name, value, Better.HIGHER, tolerance);
    }
  }

  static void record(String benchmark, List<Figure> figures) {
    record(DIR, benchmark, figures);
  }

  static void record(Path dir, String benchmark, List<Figure> figures) {
    Map<String, Figure> byName = new TreeMap<>();
    figures.forEach(f -> byName.put(f.name(), f));
    try {
      Files.createDirectories(dir);
      JSON.writeValue(dir.resolve(benchmark + ".json").toFile(), byName.values());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every figure recorded under {@code dir}, by name. */
  static Map<String, Figure> recorded(Path dir) throws IOException {
    Map<String, Figure> all = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
      return all;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        for (Figure f : JSON.readValue(file.toFile(), Figure[].class)) {
          all.put(f.name(), f);
        }
      }
    }
    return all;
  }
}
