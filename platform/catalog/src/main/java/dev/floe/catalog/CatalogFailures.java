package dev.floe.catalog;

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

/**
 * Which catalog and storage failures a retry can mend: the catalog, file system or network is down
 * or busy, or a concurrent commit won. Anything else is the same again on a retry. Shared by every
 * service that works on a catalog, so that they classify alike.
 */
public final class CatalogFailures {
  private CatalogFailures() {}

  /** True when {@code error}, or one of its causes, may go away on a retry. */
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
          || t instanceof SQLException) {
        return true;
      }
    }
    return false;
  }
}
