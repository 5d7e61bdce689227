package dev.floe.broker;

import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.common.KafkaException;

/**
 * Whether a failure is retriable or permanent, decided in one place for every service, as
 * Debezium's {@code ErrorHandler} does for its connectors: a retriable failure (the broker, the
 * catalog or the storage is down or busy, a concurrent commit won) is retried with back-off and
 * never loses input; anything else is permanent for that input, which then goes to the dead-letter
 * topic or a permanent failure with its reason.
 *
 * <p>Kafka failures are retriable here: the services only meet them talking to their own broker,
 * where waiting is right and dead-lettering would lose input. Each service adds the rules of the
 * systems it calls (the catalog's are {@code CatalogFailures.isTransient}). The rules see the
 * failure and each of its causes. Immutable and thread-safe.
 */
public final class Failures {
  /** How a failure is handled. */
  public enum Kind {
    RETRIABLE,
    PERMANENT
  }

  private final List<Predicate<Throwable>> rules;

  private Failures(List<Predicate<Throwable>> rules) {
    this.rules = rules;
  }

  /** Kafka's rule and {@code rules}, each asked of the failure and every cause of it. */
  @SafeVarargs
  public static Failures of(Predicate<Throwable>... rules) {
    return new Failures(
        java.util.stream.Stream.concat(
                java.util.stream.Stream.of(KafkaException.class::isInstance),
                java.util.stream.Stream.of(rules))
            .toList());
  }

  public Kind classify(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      for (Predicate<Throwable> rule : rules) {
        if (rule.test(t)) {
          return Kind.RETRIABLE;
        }
      }
    }
    return Kind.PERMANENT;
  }

  /**
   * An HTTP answer's status, as a caller of another system reads it: 408 (timeout), 429 (too many
   * requests) and 5xx may pass on a retry; every other status that is not a success is the same
   * again.
   */
  public static Kind ofStatus(int status) {
    return status == 408 || status == 429 || status / 100 == 5 ? Kind.RETRIABLE : Kind.PERMANENT;
  }

  public boolean isRetriable(Throwable error) {
    return classify(error) == Kind.RETRIABLE;
  }

  /** A short description for logs and dead-letter headers: the deepest cause's message. */
  public static String describe(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message =
        root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return root == error ? message : error.getClass().getSimpleName() + ": " + message;
  }
}
