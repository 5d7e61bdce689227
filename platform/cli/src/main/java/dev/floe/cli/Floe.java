package dev.floe.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The operator CLI. Exit codes: 0 done (a waited-for backfill completed), 1 a waited-for backfill
 * failed or was cancelled, 2 the request was refused (its problem details are printed), 3 the
 * service could not be reached.
 */
@Command(
    name = "floe",
    mixinStandardHelpOptions = true,
    version = "floe 0.1.0",
    description = "Operate Floe from a terminal.",
    subcommands = {BackfillCommand.class})
public final class Floe implements Runnable {
  public static final int OK = 0;
  public static final int ENDED_BADLY = 1;
  public static final int REFUSED = 2;
  public static final int UNREACHABLE = 3;

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Floe()).execute(args));
  }
}
