package dev.floe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * A control action on one backfill, and the four actions as subcommands: the service applies it and
 * answers the backfill; with {@code --wait}, follows it past the action to its end.
 */
abstract class BackfillControl extends BackfillCall {
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

  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      description = "Pause: no new chunk starts.")
  static final class Pause extends BackfillControl {
    @Override
    String action() {
      return "pause";
    }
  }

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description = "Resume a paused backfill.")
  static final class Resume extends BackfillControl {
    @Override
    String action() {
      return "resume";
    }
  }

  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description = "Cancel: chunks not started never start.")
  static final class Cancel extends BackfillControl {
    @Override
    String action() {
      return "cancel";
    }
  }

  @Command(
      name = "retry",
      mixinStandardHelpOptions = true,
      description = "Run the failed, invalid and cancelled chunks again.")
  static final class Retry extends BackfillControl {
    @Override
    String action() {
      return "retry";
    }
  }
}
