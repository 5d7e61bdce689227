package dev.floe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code floe backfill …}: plan, follow and steer backfills through the backfill-service. */
@Command(
    name = "backfill",
    mixinStandardHelpOptions = true,
    description = "Plan, follow and steer backfills.",
    subcommands = {
      BackfillCommand.Create.class,
      BackfillCommand.Status.class,
      BackfillCommand.ListAll.class,
      BackfillCommand.Pause.class,
      BackfillCommand.Resume.class,
      BackfillCommand.Cancel.class,
      BackfillCommand.Retry.class
    })
final class BackfillCommand implements Runnable {
  private static final Set<String> ENDED = Set.of("completed", "failed", "cancelled");

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Where the service is, and how to wait. */
  static final class Connection {
    @Option(
        names = "--url",
        description = "The backfill-service (default: $FLOE_BACKFILL_URL or http://localhost:8084)")
    String url;

    // A token on the command line would show in the process list: take it from a file or the
    // environment only.
    @Option(
        names = "--token-file",
        description =
            "A file holding the bearer token to call with (default: $FLOE_TOKEN; none when unset)")
    Path tokenFile;

    @Spec(Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    BackfillApi api() {
      String u =
          url != null
              ? url
              : System.getenv().getOrDefault("FLOE_BACKFILL_URL", "http://localhost:8084");
      return new BackfillApi(u, token());
    }

    private String token() {
      if (tokenFile == null) {
        String token = System.getenv("FLOE_TOKEN");
        return token == null || token.isBlank() ? null : token.strip();
      }
      try {
        return Files.readString(tokenFile).strip();
      } catch (IOException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "cannot read --token-file " + tokenFile + ": " + e.getMessage());
      }
    }

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }
  }

  /** Waiting for the end, with a live progress bar. */
  static final class Waiting {
    @Option(names = "--wait", description = "Wait until the backfill ends, showing its progress")
    boolean wait;

    @Option(
        names = "--interval",
        defaultValue = "PT1S",
        description = "How often to look (ISO-8601)")
    Duration interval;

    @Option(
        names = "--timeout",
        description = "Give up waiting after this long (ISO-8601); exit code 1")
    Duration timeout;
  }

  /** Runs a call, printing a refusal's problem details; returns the exit code. */
  abstract static class Call implements Callable<Integer> {
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
     * As {@link #follow(BackfillApi, JsonNode, Waiting)}, waiting past {@code afterRevision} first:
     * a command not applied yet leaves the backfill as it was, ended perhaps. While waiting, a
     * service that restarts (unreachable, 503) or has not stored a new backfill yet (404) is asked
     * again until the timeout.
     */
    int follow(BackfillApi api, JsonNode backfill, Waiting waiting, long afterRevision) {
      PrintWriter out = connection.out();
      if (!waiting.wait) {
        printSummary(out, backfill);
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
      printSummary(out, current);
      return "completed".equals(current.path("state").asText()) ? Floe.OK : Floe.ENDED_BADLY;
    }
  }

  static void printSummary(PrintWriter out, JsonNode b) {
    out.printf(
        "backfill %s: %s, %d chunks, %d records, progress %.1f%%%n",
        b.path("id").asText(),
        b.path("state").asText().toUpperCase(java.util.Locale.ROOT),
        b.path("totals").path("chunks").asInt(),
        b.path("totals").path("records").asLong(),
        b.path("progress").asDouble());
    JsonNode failed = b.path("failedChunks");
    if (failed.isArray() && !failed.isEmpty()) {
      out.println("failed or invalid chunks: " + join(failed));
    }
    for (JsonNode c : b.path("chunks")) {
      out.printf(
          "  %-24s %-10s attempt %d  %d records%s%n",
          c.path("chunkId").asText(),
          c.path("state").asText(),
          c.path("attempt").asInt(),
          c.path("records").asLong(),
          c.hasNonNull("error") ? "  " + c.get("error").asText() : "");
    }
    out.flush();
  }

  private static String join(JsonNode array) {
    StringBuilder s = new StringBuilder();
    array.forEach(n -> s.append(s.length() == 0 ? "" : ", ").append(n.asText()));
    return s.toString();
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Plan a backfill and start it (or, with --dry-run, print its plan).")
  static final class Create extends Call {
    @Option(names = "--file", description = "A JSON request; the options below override it")
    Path file;

    @Option(names = "--id", description = "The backfill id; generated when absent")
    String id;

    @Option(names = "--table", description = "The source table, namespace.table")
    String table;

    @Option(names = "--capture", description = "A capture, instead of a table")
    String capture;

    @Option(names = "--field", description = "The field of the range")
    String field;

    @Option(names = "--from", description = "The range's start, inclusive")
    String from;

    @Option(names = "--to", description = "The range's end, exclusive")
    String to;

    @Option(names = "--chunking", description = "partition, day, hour, files or records")
    String chunking;

    @Option(names = "--chunk-field", description = "The timestamp field of day or hour chunking")
    String chunkField;

    @Option(names = "--max-files", description = "Data files per chunk, for files chunking")
    Long maxFiles;

    @Option(names = "--max-records", description = "Records per chunk, for records chunking")
    Long maxRecords;

    @Option(names = "--trigger", description = "The trigger whose job runs each chunk")
    String trigger;

    @Option(names = "--concurrency", description = "Chunks running at once")
    Integer concurrency;

    @Option(names = "--order", description = "oldest-first or newest-first")
    String order;

    @Option(names = "--validate-target", description = "Validate record counts against this table")
    String validateTarget;

    @Option(names = "--tolerance", description = "Accepted relative difference of counts")
    Double tolerance;

    @Option(names = "--dry-run", description = "Print the plan only")
    boolean dryRun;

    @Mixin Waiting waiting;

    @Override
    int execute(BackfillApi api) {
      ObjectNode request;
      try {
        request =
            file == null
                ? BackfillApi.JSON.createObjectNode()
                : (ObjectNode) BackfillApi.JSON.readTree(Files.readString(file));
      } catch (IOException | ClassCastException e) {
        connection.err().println("cannot read " + file + ": " + e.getMessage());
        return Floe.REFUSED;
      }
      put(request, "id", id);
      put(request, "table", table);
      put(request, "capture", capture);
      put(request, "trigger", trigger);
      put(request, "order", order);
      if (concurrency != null) {
        request.put("concurrency", concurrency);
      }
      if (field != null || from != null || to != null) {
        ObjectNode range = request.with("range");
        put(range, "field", field);
        put(range, "from", from);
        put(range, "to", to);
      }
      if (chunking != null || chunkField != null || maxFiles != null || maxRecords != null) {
        ObjectNode c = request.with("chunking");
        put(c, "strategy", chunking);
        put(c, "field", chunkField);
        if (maxFiles != null) {
          c.put("maxFiles", maxFiles);
        }
        if (maxRecords != null) {
          c.put("maxRecords", maxRecords);
        }
      }
      if (validateTarget != null) {
        ObjectNode v = request.with("validation");
        v.put("method", "record-count");
        v.put("target", validateTarget);
        if (tolerance != null) {
          v.put("tolerance", tolerance);
        }
      }
      if (dryRun) {
        request.put("dryRun", true);
      }
      JsonNode created = api.create(request);
      if (dryRun) {
        printSummary(connection.out(), created);
        return Floe.OK;
      }
      connection.out().println("created backfill " + created.path("id").asText());
      return follow(api, created, waiting);
    }

    private static void put(ObjectNode node, String name, String value) {
      if (value != null) {
        node.put(name, value);
      }
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Show a backfill.")
  static final class Status extends Call {
    @Parameters(index = "0", description = "The backfill id")
    String id;

    @Mixin Waiting waiting;

    @Override
    int execute(BackfillApi api) {
      return follow(api, api.get(id), waiting);
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List backfills.")
  static final class ListAll extends Call {
    @Override
    int execute(BackfillApi api) {
      for (JsonNode b : api.list()) {
        connection
            .out()
            .printf(
                "%-24s %-11s %5.1f%%  %d chunks%n",
                b.path("id").asText(),
                b.path("state").asText(),
                b.path("progress").asDouble(),
                b.path("totals").path("chunks").asInt());
      }
      connection.out().flush();
      return Floe.OK;
    }
  }

  /** A control action on one backfill. */
  abstract static class Control extends Call {
    @Parameters(index = "0", description = "The backfill id")
    String id;

    @Option(names = "--reason", description = "Why, for the record")
    String reason;

    @Mixin Waiting waiting;

    abstract String action();

    @Override
    int execute(BackfillApi api) {
      JsonNode answer = api.control(id, action(), reason);
      connection
          .out()
          .println(action() + ": backfill " + id + " is " + answer.path("state").asText());
      // A 202 answers the backfill as it stood before the command: wait for its next revision.
      return follow(
          api, answer, waiting, api.lastStatus() == 202 ? answer.path("revision").asLong() : -1);
    }
  }

  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      description = "Pause: no new chunk starts.")
  static final class Pause extends Control {
    @Override
    String action() {
      return "pause";
    }
  }

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description = "Resume a paused backfill.")
  static final class Resume extends Control {
    @Override
    String action() {
      return "resume";
    }
  }

  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description = "Cancel: chunks not started never start.")
  static final class Cancel extends Control {
    @Override
    String action() {
      return "cancel";
    }
  }

  @Command(
      name = "retry",
      mixinStandardHelpOptions = true,
      description = "Run the failed, invalid and cancelled chunks again.")
  static final class Retry extends Control {
    @Override
    String action() {
      return "retry";
    }
  }
}
