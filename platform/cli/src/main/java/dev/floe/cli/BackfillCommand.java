package dev.floe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code floe backfill …}: plan, follow and steer backfills through the backfill-service. */
@Command(
    name = "backfill",
    mixinStandardHelpOptions = true,
    description = "Plan, follow and steer backfills.",
    subcommands = {
      CreateBackfill.class,
      BackfillCommand.Status.class,
      BackfillCommand.ListAll.class,
      BackfillControl.Pause.class,
      BackfillControl.Resume.class,
      BackfillControl.Cancel.class,
      BackfillControl.Retry.class
    })
final class BackfillCommand implements Runnable {
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Show a backfill.")
  static final class Status extends BackfillCall {
    @Parameters(index = "0", description = "The backfill id")
    String id;

    @Mixin Waiting waiting;

    @Override
    int execute(BackfillApi api) {
      return follow(api, api.get(id), waiting);
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List backfills.")
  static final class ListAll extends BackfillCall {
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
}
