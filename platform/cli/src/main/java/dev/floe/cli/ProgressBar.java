package dev.floe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * A one-line view of a backfill's progress. On a terminal it redraws itself in place; otherwise (a
 * pipe, a log) it prints a line each time the view changes.
 */
final class ProgressBar {
  private static final int WIDTH = 30;
  private final PrintWriter out;
  private final boolean inPlace;
  private String last = "";

  ProgressBar(PrintWriter out, boolean inPlace) {
    this.out = out;
    this.inPlace = inPlace;
  }

  void show(JsonNode backfill) {
    String line = render(backfill);
    if (line.equals(last)) {
      return;
    }
    last = line;
    if (inPlace) {
      out.print("\r" + line + "\u001b[K");
    } else {
      out.println(line);
    }
    out.flush();
  }

  void end() {
    if (inPlace && !last.isEmpty()) {
      out.println();
      out.flush();
    }
  }

  static String render(JsonNode b) {
    double percent = b.path("progress").asDouble();
    int filled = (int) Math.round(percent / 100 * WIDTH);
    JsonNode states = b.path("chunkStates");
    int total = b.path("totals").path("chunks").asInt();
    int ended = total - states.path("pending").asInt() - states.path("running").asInt();
    StringBuilder s = new StringBuilder();
    s.append('[')
        .append("#".repeat(filled))
        .append(".".repeat(WIDTH - filled))
        .append("] ")
        .append(String.format("%5.1f%%", percent))
        .append("  ")
        .append(ended)
        .append('/')
        .append(total)
        .append(" chunks");
    for (String state : new String[] {"running", "failed", "invalid", "cancelled"}) {
      if (states.path(state).asInt() > 0) {
        s.append("  ").append(state).append(' ').append(states.path(state).asInt());
      }
    }
    if (b.hasNonNull("remaining")) {
      s.append("  ETA ").append(human(Duration.parse(b.get("remaining").asText())));
    }
    s.append("  ").append(b.path("state").asText());
    return s.toString();
  }

  private static String human(Duration d) {
    long seconds = Math.max(0, d.toSeconds());
    return seconds >= 3600
        ? String.format("%dh%02dm", seconds / 3600, seconds % 3600 / 60)
        : String.format("%dm%02ds", seconds / 60, seconds % 60);
  }
}
