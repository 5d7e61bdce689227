package dev.floe.stack.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.floe.contracts.topic.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The three kinds of bad record every input topic must survive, sent through the real broker, and
 * the check that each reached the service's dead-letter topic with its reason and its source's
 * coordinates.
 */
public final class PoisonRecords {
  /** A kind of bad record and the reason a dead letter of it carries. */
  public enum Kind {
    MALFORMED("malformed-json"),
    UNKNOWN_VERSION("unsupported-version"),
    /** Under the broker's 1 MiB limit, over Floe's 512 KiB, and too long to copy whole. */
    OVERSIZED("oversized");

    private final String reason;

    Kind(String reason) {
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }

    /** A value of this kind; {@code type} names the event type a newer producer would send. */
    public byte[] value(String type) {
      return switch (this) {
        case MALFORMED -> "{not an event".getBytes(StandardCharsets.UTF_8);
        case UNKNOWN_VERSION ->
            ("{\"id\": \"e1\", \"type\": \""
                    + type
                    + "\", \"schemaVersion\": 99, \"source\": \"a-newer-producer\","
                    + " \"payload\": {}}")
                .getBytes(StandardCharsets.UTF_8);
        case OVERSIZED -> {
          byte[] big = new byte[900 * 1024];
          Arrays.fill(big, (byte) ' ');
          big[0] = '{';
          big[big.length - 1] = '}';
          yield big;
        }
      };
    }
  }

  private PoisonRecords() {}

  /**
   * Sends one record of each kind to {@code topic} under {@code key}, acknowledged by the broker.
   *
   * @return where each landed, by kind
   */
  public static Map<Kind, RecordMetadata> send(
      String bootstrapServers, String topic, String key, String type) {
    Map<Kind, RecordMetadata> sent = new EnumMap<>(Kind.class);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                1024 * 1024),
            new StringSerializer(),
            new ByteArraySerializer())) {
      for (Kind kind : Kind.values()) {
        sent.put(kind, producer.send(new ProducerRecord<>(topic, key, kind.value(type))).get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("could not send poison records to " + topic, e);
    }
    return sent;
  }

  /**
   * Waits until every record of {@code sent} is on {@code service}'s dead-letter topic, which
   * {@code dlq} reads, and checks each: its reason, the topic, partition and offset it came from, a
   * cause, and its value, whole or cut to the dead-letter limit with its original length.
   */
  public static void assertDeadLettered(
      EventTap dlq, String service, String topic, Map<Kind, RecordMetadata> sent) {
    Map<Kind, ConsumerRecord<String, byte[]>> found = new EnumMap<>(Kind.class);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              dlq.pollRaw(Duration.ofMillis(200));
              sent.forEach(
                  (kind, at) ->
                      dlq.raw().stream()
                          .filter(r -> topic.equals(header(r, DeadLetterHeaders.TOPIC)))
                          .filter(
                              r ->
                                  Long.toString(at.offset())
                                          .equals(header(r, DeadLetterHeaders.OFFSET))
                                      && Integer.toString(at.partition())
                                          .equals(header(r, DeadLetterHeaders.PARTITION)))
                          .findFirst()
                          .ifPresent(r -> found.put(kind, r)));
              assertThat(found.keySet()).as("dead letters from " + topic).isEqualTo(sent.keySet());
            });
    found.forEach(
        (kind, dead) -> {
          String what = kind + " on " + topic;
          assertThat(header(dead, DeadLetterHeaders.REASON)).as(what).isEqualTo(kind.reason());
          assertThat(header(dead, DeadLetterHeaders.SERVICE)).as(what).isEqualTo(service);
          assertThat(header(dead, DeadLetterHeaders.CAUSE)).as(what).isNotBlank();
          byte[] original = kind.value("x");
          if (kind == Kind.OVERSIZED) {
            assertThat(header(dead, DeadLetterHeaders.TRUNCATED_FROM))
                .as(what)
                .isEqualTo(Integer.toString(original.length));
            assertThat(dead.value()).as(what).hasSizeLessThan(original.length);
            assertThat(dead.value())
                .as(what)
                .isEqualTo(Arrays.copyOf(original, dead.value().length));
          } else if (kind == Kind.MALFORMED) {
            assertThat(dead.value()).as(what).isEqualTo(original);
          }
        });
  }

  /** A header's value as text, or null when the record has none of that name. */
  public static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
