package dev.floe.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Nearest-rank percentiles of a sample of durations in milliseconds. */
record Percentiles(int count, long p50, long p95, long p99, long max) {

  static Percentiles of(List<Long> millis) {
    List<Long> sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    return new Percentiles(
        sorted.size(),
        rank(sorted, 50),
        rank(sorted, 95),
        rank(sorted, 99),
        sorted.get(sorted.size() - 1));
  }

  private static long rank(List<Long> sorted, int percentile) {
    int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, index));
  }
}
