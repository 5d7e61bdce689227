package dev.floe.stack.kafka;

import java.util.UUID;
import org.apache.kafka.common.utils.Exit;

/**
 * One {@link EmbeddedKafka} for every test of a JVM that only needs a broker, started on first use
 * and stopped when the JVM exits: a broker start costs about four seconds, a topic a few
 * milliseconds. Tests that share it name their topics, groups and transactional ids with {@link
 * #unique(String)}, so no test reads another's records.
 *
 * <p>Tests that run Floe's services cannot share one: the services use the fixed topic and group
 * names of {@code contracts}, and what one test's services leave on them would be read by the next.
 * They, and tests that stop or restart their broker, start their own.
 */
public final class SharedKafka {
  private SharedKafka() {}

  private static KafkaBroker broker;
  private static RuntimeException failedToStart;

  /**
   * The JVM's broker; closing what this returns does not stop it.
   *
   * @throws IllegalStateException when it could not start, in this call or an earlier one
   */
  public static synchronized KafkaBroker broker() {
    if (failedToStart != null) {
      throw new IllegalStateException("the shared broker did not start", failedToStart);
    }
    if (broker == null) {
      try {
        broker = start();
      } catch (RuntimeException e) {
        failedToStart = e;
        throw e;
      }
    }
    return broker;
  }

  /** {@code name} with a random suffix, so that no other test uses the same. */
  public static String unique(String name) {
    return name + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static KafkaBroker start() {
    EmbeddedKafka kafka = EmbeddedKafka.start();
    // Closing tidies its files; the JVM's exit ends it anyway. Under load a close can take longer
    // than surefire waits for a fork to exit, so the hook waits for it at most a few seconds.
    // A broker closing while the JVM exits may call Kafka's Exit.halt (a log directory gone, a
    // fault on the way down): that would turn the exit status of a fork whose tests all passed
    // into a failure ("Error occurred in starting fork"). The JVM is exiting anyway: Kafka's exit
    // and halt are made to do nothing from here on.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  Exit.setHaltProcedure((status, message) -> {});
                  Exit.setExitProcedure((status, message) -> {});
                  Thread stop = new Thread(kafka::close, "shared-kafka-close");
                  stop.setDaemon(true);
                  stop.start();
                  try {
                    stop.join(5_000);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "shared-kafka-stop"));
    return new KafkaBroker() {
      @Override
      public String bootstrapServers() {
        return kafka.bootstrapServers();
      }

      @Override
      public void close() {
        // the JVM's shutdown stops it
      }
    };
  }
}
