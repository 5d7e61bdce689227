package dev.floe.broker;

/**
 * Kafka is not ready, or did not accept a write in time. A REST API answers it 503 with problem
 * details (the mapping lives with the HTTP types, not here): the caller may try again.
 */
public final class KafkaUnavailableException extends RuntimeException {
  private final String title;

  public KafkaUnavailableException(String title, String detail, Throwable cause) {
    super(detail, cause);
    this.title = title;
  }

  /** A short summary for the problem's title. */
  public String title() {
    return title;
  }
}
