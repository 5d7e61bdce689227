package dev.floe.capture.flow;

import dev.floe.broker.EventRecords;
import dev.floe.contracts.event.Event;
import dev.floe.contracts.event.SnapshotCommitted;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import dev.floe.stack.test.Events;
import java.time.Instant;
import java.util.Map;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes {@code SnapshotCommitted} events as the commit-listener does, so that the capture
 * service is tested on its own input, through the real broker.
 */
public final class SnapshotFeed implements AutoCloseable {
  private final KafkaProducer<String, byte[]> producer;
  private final String catalog;

  public SnapshotFeed(String bootstrapServers, String catalog) {
    this.catalog = catalog;
    this.producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            new ByteArraySerializer());
  }

  public static SnapshotCommitted committed(TableRef ref, Table table, Snapshot s) {
    return Events.committed(ref, table, s);
  }

  public void publish(TableRef ref, Table table, Snapshot snapshot) {
    Event event =
        Event.of(committed(ref, table, snapshot), Event.sourceOf("commit-listener"), Instant.now());
    producer.send(EventRecords.of(Topics.SNAPSHOTS, event));
    producer.flush();
  }

  String catalog() {
    return catalog;
  }

  @Override
  public void close() {
    producer.close();
  }
}
