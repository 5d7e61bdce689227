package dev.floe.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.bench.Figures.Figure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prints the figures of the two pipeline runs of {@code testing/bin/floe-bench pipeline} (the load
 * harness of {@code testing/end-to-end}, paced for latency and unpaced for throughput) as Markdown
 * tables, from the JSON each run wrote.
 *
 * <pre>java dev.floe.bench.PipelineReport latency.json throughput.json</pre>
 */
public final class PipelineReport {
  private static final List<String> SERVICES =
      List.of("commit-listener", "change-capture-service", "trigger-service", "backfill-service");

  private PipelineReport() {}

  public static void main(String[] args) throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode latency = json.readTree(Files.readString(Path.of(args[0])));
    JsonNode throughput = json.readTree(Files.readString(Path.of(args[1])));
    StringBuilder out = new StringBuilder();

    out.append(
        String.format(
            "%nLatency: %d commits at %.1f commits/s over %d tables, writers sending commit hints,"
                + " the four packaged services on PostgreSQL and a broker process, %d cores, after"
                + " a warm-up of %d unpaced commits:%n%n",
            latency.path("commits").asInt(),
            latency.path("writerCommitsPerSecond").asDouble(),
            latency.path("tables").asInt(),
            Runtime.getRuntime().availableProcessors(),
            latency.path("warmUpCommits").asInt()));
    out.append("| commit to | p50 | p99 |\n|---|---|---|\n");
    stages(latency, out);
    JsonNode target = latency.path("commitToTargetMs");
    out.append(
        String.format(
            "| the job's target commit | %,d ms | %,d ms (p95; max %,d ms) |%n",
            target.path("p50").asLong(), target.path("p95").asLong(), target.path("max").asLong()));

    double bare = throughput.path("bareCommitsPerSecond").asDouble();
    double endToEnd = throughput.path("endToEndCommitsPerSecond").asDouble();
    out.append(
        String.format(
            "%nThroughput: %d commits over %d tables from 4 writers as fast as they can, after a"
                + " warm-up of %d commits through the pipeline:%n%n",
            throughput.path("commits").asInt(),
            throughput.path("tables").asInt(),
            throughput.path("warmUpCommits").asInt()));
    out.append("| | commits/s |\n|---|---|\n");
    out.append(String.format("| bare Iceberg commits, same writers and catalog | %.1f |%n", bare));
    out.append(
        String.format(
            "| the writers, with Floe running | %.1f |%n",
            throughput.path("writerCommitsPerSecond").asDouble()));
    out.append(
        String.format(
            "| through the whole pipeline, until every job has written its target | %.1f |%n",
            endToEnd));
    out.append(
        String.format(
            "%nPipeline / bare commit rate: %.2f (goal: 0.8 or more)%n", endToEnd / bare));
    cpu(throughput, out);
    out.append(
        "\nUnpaced, commit to (the queue under load):\n\n| stage | p50 | p99 |\n|---|---|---|\n");
    stages(throughput, out);

    out.append(
        "\n| service | RSS idle, started | RSS idle, after the warm-up | RSS peak under load |\n"
            + "|---|---|---|---|\n");
    Map<String, JsonNode> rss =
        Map.of(
            "idle", throughput.path("rssIdleBytes"),
            "warm", throughput.path("rssIdleAfterWarmUpBytes"),
            "peak", throughput.path("rssPeakBytes"));
    for (String service : SERVICES) {
      out.append(
          String.format(
              "| %s | %d MiB | %d MiB | %d MiB |%n",
              service,
              rss.get("idle").path(service).asLong() >> 20,
              rss.get("warm").path(service).asLong() >> 20,
              rss.get("peak").path(service).asLong() >> 20));
    }
    System.out.println(out);

    // Stage latencies of single events on two shared cores move by seconds between runs
    // (docs/performance.md):
    // only a doubling counts. The throughput ratio and memory are steadier.
    List<Figure> figures = new ArrayList<>();
    latency
        .path("stages")
        .fields()
        .forEachRemaining(
            e ->
                figures.add(
                    Figure.lower(
                        "pipeline commit to " + e.getKey() + " p50 ms",
                        e.getValue().path("p50Ms").asDouble(),
                        1.0)));
    figures.add(
        Figure.lower(
            "pipeline commit to RunRequested p99 ms",
            latency.path("stages").path("RunRequested").path("p99Ms").asDouble(),
            1.0));
    figures.add(
        Figure.lower(
            "pipeline unpaced commit to ChangeCaptured p50 ms",
            throughput.path("stages").path("ChangeCaptured").path("p50Ms").asDouble(),
            1.0));
    figures.add(Figure.higher("pipeline throughput / bare commit rate", endToEnd / bare, 0.3));
    for (String service : SERVICES) {
      figures.add(
          Figure.lower(
              "pipeline RSS peak MiB, " + service,
              rss.get("peak").path(service).asLong() >> 20,
              0.25));
      figures.add(
          Figure.lower(
              "pipeline RSS idle MiB, " + service,
              rss.get("idle").path(service).asLong() >> 20,
              0.25));
    }
    Figures.record("pipeline", figures);
  }

  /**
   * Floe's CPU seconds per commit (the four services and the broker, while the commits were written
   * and drained), by part, and the share of it their JIT compilers took: a lower bound, since a
   * compiler thread the JVM stopped meanwhile takes its time with it.
   */
  private static void cpu(JsonNode run, StringBuilder out) {
    int commits = Math.max(1, run.path("commits").asInt());
    out.append(
        "\n| CPU s per commit, writing and draining | all | of it, JIT compilers |\n|---|---|---|\n");
    double all = 0;
    double jit = 0;
    List<String> parts = new ArrayList<>(SERVICES);
    parts.add("broker");
    for (String part : parts) {
      double cpu = phases(run.path("cpuSeconds"), part);
      double compilers = phases(run.path("jitSeconds"), part);
      all += cpu;
      jit += compilers;
      out.append(String.format("| %s | %.3f | %.3f |%n", part, cpu / commits, compilers / commits));
    }
    out.append(String.format("| **Floe** | **%.3f** | %.3f |%n", all / commits, jit / commits));
  }

  private static double phases(JsonNode byPhase, String part) {
    return byPhase.path("writing").path(part).asDouble()
        + byPhase.path("draining").path(part).asDouble();
  }

  /** A table row per stage of {@code run}: its p50 and p99 from commit. */
  private static void stages(JsonNode run, StringBuilder out) {
    run.path("stages")
        .fields()
        .forEachRemaining(
            e ->
                out.append(
                    String.format(
                        "| `%s` | %,d ms | %,d ms |%n",
                        e.getKey(),
                        e.getValue().path("p50Ms").asLong(),
                        e.getValue().path("p99Ms").asLong())));
  }
}
