package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.Objects;

/**
 * How a failed run is retried before its changes fold into the next run.
 *
 * @param maxAttempts attempts of one run in all, the first included
 * @param backoff the wait before the second attempt; it doubles for each later one
 */
public record RetryPolicy(
    @JsonProperty(required = true) int maxAttempts,
    @JsonProperty(required = true) Duration backoff) {

  public RetryPolicy {
    Objects.requireNonNull(backoff, "backoff");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
  }
}
