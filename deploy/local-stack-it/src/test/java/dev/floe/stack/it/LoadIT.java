package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.stack.catalog.CatalogKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The load run: at least 1,000 commits over 50 tables through the four packaged services on
 * PostgreSQL, four writers, with the same invariant as the fault suite, reporting the throughput it
 * reached against the bare Iceberg commit rate of the same writers on the same catalog, the
 * commit-to-stage latencies, and each service's resident memory idle and at its peak. About five
 * minutes, so it runs only when asked: {@code mvn -pl deploy/local-stack-it verify -Dit.test=LoadIT
 * -Dfloe.load=true}. Shape it with {@code -Dfloe.load.commits}, {@code -Dfloe.load.tables}, {@code
 * -Dfloe.load.writers}, {@code -Dfloe.load.pause-ms} (each writer's pause between commits: a paced
 * run measures latency, an unpaced one throughput), {@code -Dfloe.load.bare-commits} and {@code
 * -Dfloe.load.hints=false} (the writers send no commit hints; the listener polls). Its figures also
 * go to {@code target/load.json}.
 */
@EnabledIfSystemProperty(named = "floe.load", matches = "true")
class LoadIT {

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
                false,
                0,
                Duration.ZERO,
                null,
                Duration.ofMinutes(20),
                Integer.getInteger("floe.load.bare-commits", 200),
                Boolean.parseBoolean(System.getProperty("floe.load.hints", "true"))));
    System.out.printf("load: %s%n", outcome);
    Files.writeString(Path.of("target", "load.json"), json(outcome, tables));
    assertThat(outcome.commits()).isGreaterThanOrEqualTo(commits);
    assertThat(outcome.stageLatencies().get("ChangeCaptured")).isNotEmpty();
    assertThat(outcome.rssPeak()).hasSize(4);
  }

  private static String json(PipelineRun.Outcome o, int tables) {
    String stages =
        StageClock.STAGES.stream()
            .map(
                s ->
                    "\"%s\":{\"count\":%d,\"p50Ms\":%d,\"p99Ms\":%d}"
                        .formatted(
                            s, o.stageLatencies().get(s).size(), o.stage(s, 50), o.stage(s, 99)))
            .collect(Collectors.joining(","));
    return ("{\"benchmark\":\"pipeline\",\"catalog\":\"POSTGRES\",\"tables\":%d,\"commits\":%d,"
            + "\"writingSeconds\":%.1f,\"drainingSeconds\":%.1f,\"writerCommitsPerSecond\":%.2f,"
            + "\"endToEndCommitsPerSecond\":%.2f,\"bareCommitsPerSecond\":%.2f,"
            + "\"commitToTargetMs\":{\"p50\":%d,\"p95\":%d,\"max\":%d},\"stages\":{%s},"
            + "\"rssIdleBytes\":%s,\"rssPeakBytes\":%s,\"rows\":%d,\"runs\":%d}%n")
        .formatted(
            tables,
            o.commits(),
            o.writing().toMillis() / 1000.0,
            o.draining().toMillis() / 1000.0,
            o.commitsPerSecond(),
            o.endToEndCommitsPerSecond(),
            o.bareCommitsPerSecond(),
            o.p50Ms(),
            o.p95Ms(),
            o.maxMs(),
            stages,
            object(o.rssIdle()),
            object(o.rssPeak()),
            o.rows(),
            o.runs());
  }

  private static String object(Map<String, Long> values) {
    return values.entrySet().stream()
        .map(e -> "\"%s\":%d".formatted(e.getKey(), e.getValue()))
        .collect(Collectors.joining(",", "{", "}"));
  }
}
