package dev.floe.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Tag("unit")
class FailuresTest {
  private final Failures failures = Failures.of(IOException.class::isInstance);

  @Test
  void shouldRetryAKafkaFailureWhateverTheServiceAdds() {
    assertThat(Failures.of().classify(new TimeoutException("broker busy")))
        .isEqualTo(Failures.Kind.RETRIABLE);
  }

  @Test
  void shouldApplyAServiceRuleToEveryCause() {
    RuntimeException wrapped =
        new IllegalStateException("commit failed", new UncheckedIOException(new IOException("x")));

    assertThat(failures.isRetriable(wrapped)).isTrue();
    assertThat(Failures.of().isRetriable(wrapped)).isFalse();
  }

  @Test
  void shouldCallAnythingElsePermanent() {
    assertThat(failures.classify(new IllegalArgumentException("no such column")))
        .isEqualTo(Failures.Kind.PERMANENT);
  }

  @ParameterizedTest
  @CsvSource({
    "408,RETRIABLE",
    "429,RETRIABLE",
    "500,RETRIABLE",
    "503,RETRIABLE",
    "400,PERMANENT",
    "401,PERMANENT",
    "404,PERMANENT",
    "422,PERMANENT"
  })
  void shouldReadAnHttpStatusAsCallersOfOtherSystemsDo(int status, Failures.Kind kind) {
    assertThat(Failures.ofStatus(status)).isEqualTo(kind);
  }

  @Test
  void shouldDescribeAFailureByItsDeepestCause() {
    RuntimeException wrapped =
        new IllegalStateException("outer", new IllegalArgumentException("the real reason"));

    assertThat(Failures.describe(wrapped)).isEqualTo("IllegalStateException: the real reason");
  }
}
