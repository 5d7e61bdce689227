package dev.floe.capture.engine;

import dev.floe.catalog.CatalogFailures;
import org.apache.kafka.common.KafkaException;

/**
 * Classifies failures: transient ones (the catalog or storage is down or busy, a concurrent commit
 * won) are retried with back-off and never lose input; anything else is permanent for that input,
 * which then goes to the dead-letter topic with its reason.
 */
public final class Failures {
  private Failures() {}

  public static boolean isTransient(Throwable error) {
    if (CatalogFailures.isTransient(error)) {
      return true;
    }
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof KafkaException) {
        return true;
      }
    }
    return false;
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
