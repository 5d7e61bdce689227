package dev.floe.stack.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.stack.catalog.CatalogKind;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The load run: at least 1,000 commits over 50 tables through the four packaged services on
 * PostgreSQL, four writers, with the same invariant as the fault suite, reporting the throughput
 * and the commit-to-target latencies it reached. About ten minutes, so it runs only when asked:
 * {@code mvn -pl deploy/local-stack-it verify -Dit.test=LoadIT -Dfloe.load=true}.
 */
@EnabledIfSystemProperty(named = "floe.load", matches = "true")
class LoadIT {

  @Test
  @Timeout(2400)
  void aThousandCommitsOverFiftyTablesLoseAndDoubleNothing() throws Exception {
    int commits = Integer.getInteger("floe.load.commits", 1_000);
    PipelineRun.Outcome outcome =
        PipelineRun.run(
            "load",
            new PipelineRun.Plan(
                CatalogKind.POSTGRES,
                50,
                commits,
                4,
                Duration.ZERO,
                0,
                false,
                0,
                Duration.ZERO,
                null,
                Duration.ofMinutes(20)));
    System.out.printf("load: %s%n", outcome);
    assertThat(outcome.commits()).isGreaterThanOrEqualTo(commits);
  }
}
