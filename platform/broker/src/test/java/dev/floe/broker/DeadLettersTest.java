package dev.floe.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floe.contracts.topic.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class DeadLettersTest {

  @Test
  void aRecordIsCopiedWholeWithWhereItCameFromAndWhy() {
    byte[] value = "{not json".getBytes(StandardCharsets.UTF_8);
    ProducerRecord<String, byte[]> dead =
        DeadLetters.of(
            new ConsumerRecord<>("floe.snapshots", 3, 42L, "lake:a.b", value),
            "change-capture-service",
            "malformed-json",
            "not valid JSON");

    assertThat(dead.topic()).isEqualTo("floe.dlq.change-capture-service");
    assertThat(dead.key()).isEqualTo("lake:a.b");
    assertThat(dead.value()).isEqualTo(value);
    assertThat(header(dead, DeadLetterHeaders.REASON)).isEqualTo("malformed-json");
    assertThat(header(dead, DeadLetterHeaders.OFFSET)).isEqualTo("42");
    assertThat(dead.headers().lastHeader(DeadLetterHeaders.TRUNCATED_FROM)).isNull();
  }

  @Test
  void aValueTooLongForADeadLetterIsCutAndSaysItsLength() {
    byte[] value = new byte[1_000_000];
    Arrays.fill(value, (byte) 'x');
    ProducerRecord<String, byte[]> dead =
        DeadLetters.of(
            new ConsumerRecord<>("floe.runs", 0, 7L, "t", value),
            "trigger-service",
            "oversized",
            "y".repeat(10_000));

    assertThat(dead.value()).hasSize(DeadLetters.MAX_VALUE_BYTES);
    assertThat(header(dead, DeadLetterHeaders.TRUNCATED_FROM)).isEqualTo("1000000");
    assertThat(header(dead, DeadLetterHeaders.CAUSE)).hasSize(DeadLetters.MAX_CAUSE_CHARS + 1);
    int headerBytes = 0;
    for (Header h : dead.headers()) {
      headerBytes += h.key().length() + h.value().length;
    }
    // Fits the producer's default max.request.size of 1 MiB with room for the record's framing.
    assertThat(dead.value().length + headerBytes + dead.key().length()).isLessThan(1_000_000);
  }

  private static String header(ProducerRecord<String, byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
