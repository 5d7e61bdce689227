package dev.floe.stack;

import dev.floe.stack.LocalStack.Options;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code floe-local} command line, read into {@link Options} over the command's defaults. A
 * flag it does not know, or one without its value, prints the usage and exits with status 2.
 */
final class StackArguments {
  private StackArguments() {}

  static Options parse(String[] args, Options defaults) {
    Path home = defaults.home();
    int kafkaPort = defaults.kafkaPort();
    int httpPort = defaults.firstHttpPort();
    Duration demoInterval = defaults.demoInterval();
    boolean demo = defaults.demo();
    int prometheusPort = defaults.prometheusPort();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--no-demo")) {
        demo = false;
        continue;
      }
      if (flag.equals("--no-prometheus")) {
        prometheusPort = 0;
        continue;
      }
      if (i + 1 == args.length) {
        usage();
      }
      String value = args[++i];
      switch (flag) {
        case "--home" -> home = Path.of(value);
        case "--kafka-port" -> kafkaPort = Integer.parseInt(value);
        case "--http-port" -> httpPort = Integer.parseInt(value);
        case "--demo-interval" -> demoInterval = Duration.ofSeconds(Long.parseLong(value));
        case "--prometheus-port" -> prometheusPort = Integer.parseInt(value);
        default -> usage();
      }
    }
    return new Options(
            defaults.repo(), home, kafkaPort, kafkaPort + 1, httpPort, demoInterval, demo)
        .withPrometheus(prometheusPort, defaults.scrapeInterval());
  }

  private static void usage() {
    System.err.println(
        "usage: floe-local [--home DIR] [--kafka-port 9092] [--http-port 8081]"
            + " [--demo-interval SECONDS] [--no-demo] [--prometheus-port 9090] [--no-prometheus]");
    System.exit(2);
  }
}
