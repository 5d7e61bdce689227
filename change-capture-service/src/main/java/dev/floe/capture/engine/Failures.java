package dev.floe.capture.engine;

import dev.floe.catalog.CatalogUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.util.concurrent.TimeoutException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.exceptions.RESTException;
import org.apache.iceberg.exceptions.RuntimeIOException;
import org.apache.iceberg.exceptions.ServiceFailureException;
import org.apache.iceberg.exceptions.ServiceUnavailableException;
import org.apache.kafka.common.KafkaException;

/**
 * Classifies failures: transient ones (the catalog or storage is down or busy, a concurrent commit
 * won) are retried with back-off and never lose input; anything else is permanent for that input,
 * which then goes to the dead-letter topic with its reason.
 */
public final class Failures {
  private Failures() {}

  public static boolean isTransient(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof CatalogUnavailableException
          || t instanceof CommitFailedException
          || t instanceof CommitStateUnknownException
          || t instanceof ServiceUnavailableException
          || t instanceof ServiceFailureException
          || t instanceof RESTException
          || t instanceof RuntimeIOException
          || t instanceof UncheckedIOException
          || t instanceof IOException
          || t instanceof ConnectException
          || t instanceof TimeoutException
          || t instanceof KafkaException
          || t instanceof SQLException) {
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
