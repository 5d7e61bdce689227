package dev.floe.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Where the backfill-service is and how to call it, as options every backfill command takes: the
 * URL, and a bearer token read from a file or the environment, never from the command line.
 */
final class Connection {
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
