package dev.floe.catalog;

/**
 * The catalog cannot be reached or answered with an error. Transient: callers retry with back-off
 * and readiness reports DOWN until it clears.
 */
public class CatalogUnavailableException extends RuntimeException {
  public CatalogUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
