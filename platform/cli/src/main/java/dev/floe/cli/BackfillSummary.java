package dev.floe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;

/**
 * How a backfill prints: its state, totals and progress, its failed chunks, then each chunk of the
 * page the service answered, and where the next page starts.
 */
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
      int all =
          b.path("chunkStates").path("failed").asInt()
              + b.path("chunkStates").path("invalid").asInt();
      out.println(
          "failed or invalid chunks: "
              + join(failed)
              + (all > failed.size() ? " (the first " + failed.size() + " of " + all + ")" : ""));
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
    if (b.hasNonNull("nextChunk")) {
      // A large backfill answers a page of its chunks: say where the rest is.
      out.printf(
          "  ... more chunks from index %d: GET /backfills/%s?chunkFrom=%d%n",
          b.get("nextChunk").asInt(), b.path("id").asText(), b.get("nextChunk").asInt());
    }
    out.flush();
  }

  private static String join(JsonNode array) {
    StringBuilder s = new StringBuilder();
    array.forEach(n -> s.append(s.length() == 0 ? "" : ", ").append(n.asText()));
    return s.toString();
  }
}
