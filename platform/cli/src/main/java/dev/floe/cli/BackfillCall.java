package dev.floe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/**
 * A backfill command that calls the service: runs the call, printing a refusal's problem details,
 * and returns the exit code ({@link Floe}); with {@code --wait}, follows the backfill to its end.
 */
abstract class BackfillCall implements Callable<Integer> {
  private static final Set<String> ENDED = Set.of("completed", "failed", "cancelled");

  @Mixin Connection connection;

  @Override
  public Integer call() {
    try {
      return execute(connection.api());
    } catch (BackfillApi.Refused e) {
      connection.err().println(e.getMessage());
      return Floe.REFUSED;
    } catch (BackfillApi.Unreachable e) {
      connection.err().println(e.getMessage());
      return Floe.UNREACHABLE;
    }
  }

  abstract int execute(BackfillApi api);

  /** Prints the backfill, and with {@code --wait} follows it to its end. */
  int follow(BackfillApi api, JsonNode backfill, Waiting waiting) {
    return follow(api, backfill, waiting, -1);
  }

  /**
   * As {@link #follow(BackfillApi, JsonNode, Waiting)}, waiting past {@code afterRevision} first: a
   * command not applied yet leaves the backfill as it was, ended perhaps. While waiting, a service
   * that restarts (unreachable, 503) or has not stored a new backfill yet (404) is asked again
   * until the timeout.
   */
  int follow(BackfillApi api, JsonNode backfill, Waiting waiting, long afterRevision) {
    PrintWriter out = connection.out();
    if (!waiting.wait) {
      BackfillSummary.print(out, backfill);
      return Floe.OK;
    }
    ProgressBar bar = new ProgressBar(out, System.console() != null);
    long deadline =
        waiting.timeout == null ? Long.MAX_VALUE : System.nanoTime() + waiting.timeout.toNanos();
    JsonNode current = backfill;
    bar.show(current);
    while (!ENDED.contains(current.path("state").asText())
        || current.path("revision").asLong() <= afterRevision) {
      if (System.nanoTime() > deadline) {
        bar.end();
        connection.err().println("gave up waiting after " + waiting.timeout);
        return Floe.ENDED_BADLY;
      }
      try {
        Thread.sleep(waiting.interval.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Floe.ENDED_BADLY;
      }
      try {
        current = api.get(current.path("id").asText());
      } catch (BackfillApi.Refused e) {
        if (e.status != 503 && e.status != 404) {
          throw e;
        }
        continue;
      } catch (BackfillApi.Unreachable e) {
        continue;
      }
      bar.show(current);
    }
    bar.end();
    BackfillSummary.print(out, current);
    return "completed".equals(current.path("state").asText()) ? Floe.OK : Floe.ENDED_BADLY;
  }
}
