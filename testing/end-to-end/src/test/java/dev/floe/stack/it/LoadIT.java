package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.stack.catalog.CatalogKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The load run: at least 1,000 commits over 50 tables through the four packaged services on
 * PostgreSQL, four writers, with the same invariant as the fault suite, reporting the throughput it
 * reached against the bare Iceberg commit rate of the same writers on the same catalog, the
 * commit-to-stage latencies, and each service's resident memory idle and at its peak. About five
 * minutes, so it runs only when asked: {@code mvn -pl testing/end-to-end verify -Dit.test=LoadIT
 * -Dfloe.load=true}. Shape it with {@code -Dfloe.load.commits}, {@code -Dfloe.load.tables}, {@code
 * -Dfloe.load.writers}, {@code -Dfloe.load.pause-ms} (each writer's pause between commits: a paced
 * run measures latency, an unpaced one throughput), {@code -Dfloe.load.bare-commits}, {@code
 * -Dfloe.load.warm-up-commits} (300: commits through the whole pipeline, drained, before anything
 * is measured; 0 measures cold services) and {@code -Dfloe.load.hints=false} (the writers send no
 * commit hints; the listener polls) and {@code -Dfloe.load.split-cores=true} ({@link CoreSplit}).
 * Its figures, the CPU time of each part in each phase included ({@link CpuClock}), also go to
 * {@code target/load.json}.
 */
@EnabledIfSystemProperty(named = "floe.load", matches = "true")
class LoadIT {
  /** Commits through the whole pipeline, drained, before anything is measured. */
  private static final int WARM_UP = Integer.getInteger("floe.load.warm-up-commits", 300);

  @Test
  @Timeout(2400)
  void aThousandCommitsOverFiftyTablesLoseAndDoubleNothing() throws Exception {
    int commits = Integer.getInteger("floe.load.commits", 1_000);
    int tables = Integer.getInteger("floe.load.tables", 50);
    PipelineRun.Outcome outcome =
        PipelineRun.run(
            "load",
            new PipelineRun.Plan(
                CatalogKind.POSTGRES,
                tables,
                commits,
                Integer.getInteger("floe.load.writers", 4),
                Duration.ofMillis(Long.getLong("floe.load.pause-ms", 0)),
                0,
                0,
                false,
                0,
                Duration.ZERO,
                null,
                Duration.ofMinutes(20),
                Integer.getInteger("floe.load.bare-commits", 200),
                WARM_UP,
                Boolean.parseBoolean(System.getProperty("floe.load.hints", "true"))));
    System.out.printf("load: %s%n", outcome);
    Files.writeString(Path.of("target", "load.json"), json(outcome, tables));
    assertThat(outcome.commits()).isGreaterThanOrEqualTo(commits);
    assertThat(outcome.stageLatencies().get("ChangeCaptured")).isNotEmpty();
    assertThat(outcome.rssPeak()).hasSize(4);
  }

  private static String json(PipelineRun.Outcome o, int tables) throws Exception {
    Map<String, Object> stages = new LinkedHashMap<>();
    for (String s : StageClock.STAGES) {
      stages.put(
          s,
          Map.of(
              "count", o.stageLatencies().get(s).size(),
              "p50Ms", o.stage(s, 50),
              "p99Ms", o.stage(s, 99)));
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("benchmark", "pipeline");
    json.put("catalog", "POSTGRES");
    json.put("tables", tables);
    json.put("warmUpCommits", WARM_UP);
    json.put("commits", o.commits());
    json.put("writingSeconds", o.writing().toMillis() / 1000.0);
    json.put("drainingSeconds", o.draining().toMillis() / 1000.0);
    json.put("writerCommitsPerSecond", o.commitsPerSecond());
    json.put("endToEndCommitsPerSecond", o.endToEndCommitsPerSecond());
    json.put("bareCommitsPerSecond", o.bareCommitsPerSecond());
    json.put("commitToTargetMs", Map.of("p50", o.p50Ms(), "p95", o.p95Ms(), "max", o.maxMs()));
    json.put("stages", stages);
    json.put("rssIdleBytes", o.rssIdle());
    json.put("rssIdleAfterWarmUpBytes", o.rssIdleAfterWarmUp());
    json.put("rssPeakBytes", o.rssPeak());
    json.put("cpuSeconds", o.cpuSeconds());
    json.put("jitSeconds", o.jitSeconds());
    json.put("rows", o.rows());
    json.put("runs", o.runs());
    return new ObjectMapper().writeValueAsString(json);
  }
}
