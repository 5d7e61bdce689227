package dev.floe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code floe backfill create}: builds the request from a JSON file and the options, which override
 * it, then plans the backfill and starts it (or, with {@code --dry-run}, prints its plan only).
 */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    description = "Plan a backfill and start it (or, with --dry-run, print its plan).")
final class CreateBackfill extends BackfillCall {
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

  @Option(
      names = "--max-attempts",
      description =
          "Attempts of a chunk that fails transiently, the first included (the trigger's)")
  Integer maxAttempts;

  @Option(
      names = "--retry-backoff",
      description = "ISO-8601 wait before a chunk's second attempt, doubling (the trigger's)")
  String retryBackoff;

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
    if (maxAttempts != null || retryBackoff != null) {
      ObjectNode r = request.with("retry");
      if (maxAttempts != null) {
        r.put("maxAttempts", maxAttempts);
      }
      put(r, "backoff", retryBackoff);
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
      BackfillSummary.print(connection.out(), created);
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
