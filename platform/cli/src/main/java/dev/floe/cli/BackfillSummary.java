package dev.floe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;

/** How a backfill prints: its state, totals and progress, its failed chunks, then each chunk. */
final class BackfillSummary {
  private BackfillSummary() {}

  static void print(PrintWriter out, JsonNode b) {
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
}
