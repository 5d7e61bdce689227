package dev.floe.stack.host;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Console logging of the local stack's own JVM: the demo writer's commits at INFO, the Kafka,
 * Iceberg and Hadoop clients only when they warn. The services and the broker log to files.
 */
public final class StackLogging {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

  // Strong references: java.util.logging forgets the level of a logger nobody holds. The Kafka
  // admin client warns on every refused connection while the broker starts; errors still show.
  private static final List<Logger> QUIET =
      List.of(
          Logger.getLogger("org.apache.kafka"),
          Logger.getLogger("org.apache.iceberg"),
          Logger.getLogger("org.apache.hadoop"));
  private static final Logger KAFKA_CLIENTS = Logger.getLogger("org.apache.kafka.clients");

  private StackLogging() {}

  public static void configure() {
    QUIET.forEach(logger -> logger.setLevel(Level.WARNING));
    KAFKA_CLIENTS.setLevel(Level.SEVERE);
    Logger root = Logger.getLogger("");
    for (var handler : root.getHandlers()) {
      root.removeHandler(handler);
    }
    ConsoleHandler console = new ConsoleHandler();
    console.setLevel(Level.INFO);
    console.setFormatter(
        new Formatter() {
          @Override
          public String format(LogRecord record) {
            String name = record.getLoggerName();
            return String.format(
                "%s %-7s [%s] %s%n",
                LocalTime.now().format(TIME),
                record.getLevel(),
                name.substring(name.lastIndexOf('.') + 1),
                formatMessage(record));
          }
        });
    root.addHandler(console);
    root.setLevel(Level.INFO);
  }
}
