package dev.floe.catalog;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.iceberg.catalog.Catalog;
import org.jboss.logging.Logger;

/**
 * A service's catalog, built on first use. A service must start and report itself not ready while
 * its catalog is down, rather than fail to start: building a REST catalog calls the server, so the
 * build is deferred and retried until it succeeds.
 *
 * <p>Thread-safe.
 */
public final class CatalogHandle implements Closeable {
  private static final Logger LOG = Logger.getLogger(CatalogHandle.class);

  private final String name;
  private final Map<String, String> properties;
  private final ExecutorService prober;
  private volatile Catalog catalog;

  /**
   * @throws IllegalArgumentException when the properties are invalid, naming what to change
   */
  public CatalogHandle(String name, Map<String, String> properties) {
    this.name = name;
    this.properties = Map.copyOf(FloeCatalogs.icebergProperties(properties));
    FloeCatalogs.validate(this.properties);
    this.prober =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread thread = new Thread(r, "floe-catalog-probe");
              thread.setDaemon(true);
              return thread;
            });
    LOG.infof("catalog %s: %s", name, FloeCatalogs.redacted(this.properties));
  }

  public static CatalogHandle of(CatalogConfig config) {
    return new CatalogHandle(config.name(), config.properties());
  }

  public String name() {
    return name;
  }

  /** The catalog type or implementation class, for health and metrics. */
  public String kind() {
    return properties.getOrDefault("type", properties.get("catalog-impl"));
  }

  /**
   * The catalog, built now if it was not yet.
   *
   * @throws CatalogUnavailableException when it cannot be built
   */
  public Catalog get() {
    Catalog current = catalog;
    if (current != null) {
      return current;
    }
    synchronized (this) {
      if (catalog == null) {
        try {
          catalog = FloeCatalogs.build(name, properties);
        } catch (RuntimeException e) {
          throw new CatalogUnavailableException(
              "cannot initialize catalog " + name + ": " + e.getMessage(), e);
        }
      }
      return catalog;
    }
  }

  /**
   * Asks the catalog for its namespaces, the cheapest call every catalog type answers.
   *
   * @throws CatalogUnavailableException when it fails or takes longer than {@code timeout}
   */
  public void probe(Duration timeout) {
    Future<?> call =
        prober.submit(
            () -> {
              if (get() instanceof org.apache.iceberg.catalog.SupportsNamespaces namespaces) {
                namespaces.listNamespaces();
              } else {
                get().name();
              }
            });
    try {
      call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new CatalogUnavailableException(
          "catalog " + name + " did not answer within " + timeout.toMillis() + " ms", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof CatalogUnavailableException unavailable) {
        throw unavailable;
      }
      throw new CatalogUnavailableException(
          "catalog " + name + " failed: " + cause.getMessage(), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CatalogUnavailableException("interrupted while probing catalog " + name, e);
    }
  }

  @Override
  public void close() throws IOException {
    prober.shutdownNow();
    if (catalog instanceof Closeable closeable) {
      closeable.close();
    }
  }
}
