package dev.floe.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** Options of waiting for a backfill's end, with a live progress bar. */
final class Waiting {
  @Option(names = "--wait", description = "Wait until the backfill ends, showing its progress")
  boolean wait;

  @Option(names = "--interval", defaultValue = "PT1S", description = "How often to look (ISO-8601)")
  Duration interval;

  @Option(
      names = "--timeout",
      description = "Give up waiting after this long (ISO-8601); exit code 1")
  Duration timeout;
}
