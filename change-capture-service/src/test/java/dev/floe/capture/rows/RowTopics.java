package dev.floe.capture.rows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.contracts.model.TableRef;
import dev.floe.contracts.topic.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a table's row stream from the broker as any consumer would: a plain read-committed Kafka
 * consumer on {@code floe.rows.<namespace>.<table>} and its transactions topic, from the beginning.
 * Groups row events into their snapshots' transactions, in END order, and each tombstone with the
 * delete it follows on its partition.
 */
public final class RowTopics implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One snapshot's events: its BEGIN, its row events in order, its END.
   *
   * @param tombstones by the {@code total_order} of the delete each follows
   */
  public record Transaction(
      String id,
      long eventCount,
      List<ConsumerRecord<String, byte[]>> markers,
      List<ConsumerRecord<String, byte[]>> rows,
      Map<Long, ConsumerRecord<String, byte[]>> tombstones) {
    public long snapshotId() {
      return Long.parseLong(id.substring(id.lastIndexOf(':') + 1));
    }
  }

  private final KafkaConsumer<String, byte[]> consumer;
  private final String rowsTopic;
  private final String transactionsTopic;
  private final Map<String, List<ConsumerRecord<String, byte[]>>> markers = new LinkedHashMap<>();
  private final Map<String, List<ConsumerRecord<String, byte[]>>> rows = new HashMap<>();
  private final List<String> ended = new ArrayList<>();
  private final Map<String, Long> counts = new HashMap<>();
  private final Map<String, Map<Long, ConsumerRecord<String, byte[]>>> tombstones = new HashMap<>();
  private final Map<TopicPartition, JsonNode> lastBlock = new HashMap<>();
  private boolean assigned;

  public RowTopics(String bootstrapServers, TableRef table) {
    this(bootstrapServers, table, Topics.rowTransactions(table));
  }

  /**
   * @param transactionsTopic where the capture publishes BEGIN and END
   */
  public RowTopics(String bootstrapServers, TableRef table, String transactionsTopic) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // Looking a topic up must never create it: the test brokers create topics on first use with
    // three partitions, and a transactions topic made that way by this reader, before the capture
    // service made its own with one, spreads the END markers over three partitions, where reading
    // them no longer tells the order the capture published them in.
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    this.consumer = new KafkaConsumer<>(props);
    this.rowsTopic = Topics.rows(table);
    this.transactionsTopic = transactionsTopic;
  }

  /** Reads what is there; the topics are created with the first events. */
  public void poll(Duration timeout) {
    if (!assigned) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : List.of(rowsTopic, transactionsTopic)) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
        if (infos == null || infos.isEmpty()) {
          return;
        }
        infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      assigned = true;
    }
    for (ConsumerRecord<String, byte[]> record : consumer.poll(timeout)) {
      TopicPartition partition = new TopicPartition(record.topic(), record.partition());
      if (record.value() == null) {
        JsonNode deleted = lastBlock.get(partition);
        if (deleted == null) {
          throw new AssertionError("a tombstone with no event before it: " + record);
        }
        tombstones
            .computeIfAbsent(deleted.path("id").asText(), k -> new HashMap<>())
            .put(deleted.path("total_order").asLong(), record);
        continue;
      }
      JsonNode payload = payload(record.value());
      if (record.topic().equals(transactionsTopic)) {
        String id = payload.path("id").asText();
        markers.computeIfAbsent(id, k -> new ArrayList<>()).add(record);
        if (payload.path("status").asText().equals("END")) {
          ended.add(id);
          counts.put(id, payload.path("event_count").asLong());
        }
      } else {
        String id = payload.path("transaction").path("id").asText();
        rows.computeIfAbsent(id, k -> new ArrayList<>()).add(record);
        lastBlock.put(partition, payload.path("transaction"));
      }
    }
  }

  /**
   * Reads up to the last stable offset of every partition, as it is now: after it, nothing that was
   * committed before the call is left unread, so a duplicate would show.
   */
  public void drain(Duration timeout) {
    poll(Duration.ofMillis(100));
    if (!assigned) {
      return;
    }
    Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
    long deadline = System.nanoTime() + timeout.toNanos();
    while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the row topics were not read to " + end + " in " + timeout);
      }
      poll(Duration.ofMillis(100));
    }
  }

  /**
   * Waits until {@code count} transactions have ended with all their events, then reads the rest,
   * so that a transaction published twice would show.
   */
  public List<Transaction> awaitTransactions(int count, Duration timeout) {
    org.awaitility.Awaitility.await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              poll(Duration.ofMillis(200));
              return ends() >= count && complete();
            });
    drain(Duration.ofSeconds(30));
    return transactions();
  }

  /** How many END events were read; a snapshot ended twice counts twice. */
  public int ends() {
    return ended.size();
  }

  /** Whether every ended transaction's row events have all been read. */
  public boolean complete() {
    return ended.stream().allMatch(id -> rows.getOrDefault(id, List.of()).size() >= counts.get(id));
  }

  /** The transactions in the order their END events were read, each with its events. */
  public List<Transaction> transactions() {
    List<Transaction> out = new ArrayList<>();
    for (String id : ended) {
      List<ConsumerRecord<String, byte[]>> events =
          new ArrayList<>(rows.getOrDefault(id, List.of()));
      events.sort(
          (a, b) ->
              Long.compare(
                  payload(a.value()).path("transaction").path("total_order").asLong(),
                  payload(b.value()).path("transaction").path("total_order").asLong()));
      out.add(
          new Transaction(
              id, counts.get(id), markers.get(id), events, tombstones.getOrDefault(id, Map.of())));
    }
    return out;
  }

  /**
   * Applies a transaction's BEGIN, rows (each tombstone after its delete) and END to {@code
   * replay}.
   */
  public static void replay(Transaction transaction, RowStreamReplay replay) {
    List<ConsumerRecord<String, byte[]>> ordered = new ArrayList<>();
    ordered.add(transaction.markers().get(0));
    for (ConsumerRecord<String, byte[]> row : transaction.rows()) {
      ordered.add(row);
      long order = payload(row.value()).path("transaction").path("total_order").asLong();
      if (transaction.tombstones().containsKey(order)) {
        ordered.add(transaction.tombstones().get(order));
      }
    }
    ordered.add(transaction.markers().get(transaction.markers().size() - 1));
    for (ConsumerRecord<String, byte[]> record : ordered) {
      replay.apply(record.topic(), record.key(), record.value());
    }
  }

  private static JsonNode payload(byte[] value) {
    try {
      return JSON.readTree(value).path("payload");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
