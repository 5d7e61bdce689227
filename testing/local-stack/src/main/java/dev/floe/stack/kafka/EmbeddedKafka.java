package dev.floe.stack.kafka;

import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A combined KRaft broker and controller inside the test JVM, from Apache Kafka's own server
 * artifacts ({@link KafkaClusterTestKit}). It starts in about four seconds and is a real broker:
 * real log segments, transactions, consumer groups and compaction.
 */
public final class EmbeddedKafka implements KafkaBroker {
  // Strong references: java.util.logging forgets the level of a logger nobody holds.
  private static final List<Logger> QUIET =
      List.of(
          Logger.getLogger("kafka"),
          Logger.getLogger("org.apache.kafka"),
          Logger.getLogger("state.change.logger"));

  private final KafkaClusterTestKit cluster;

  private EmbeddedKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  public static EmbeddedKafka start() {
    // The broker shares the test's log manager; its INFO lines would bury the test's own.
    QUIET.forEach(logger -> logger.setLevel(Level.WARNING));
    try {
      KafkaClusterTestKit.Builder builder =
          new KafkaClusterTestKit.Builder(
              new TestKitNodes.Builder()
                  .setCombined(true)
                  .setNumBrokerNodes(1)
                  .setNumControllerNodes(1)
                  .build());
      BrokerDefaults.PROPERTIES.forEach(builder::setConfigProp);
      KafkaClusterTestKit cluster = builder.build();
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      EmbeddedKafka kafka = new EmbeddedKafka(cluster);
      KafkaReadiness.await(kafka.bootstrapServers(), Duration.ofSeconds(60));
      return kafka;
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the embedded Kafka broker", e);
    }
  }

  @Override
  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  @Override
  public void close() {
    try {
      cluster.close();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop the embedded Kafka broker", e);
    }
  }
}
