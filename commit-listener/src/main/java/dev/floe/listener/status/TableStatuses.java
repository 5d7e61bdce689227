package dev.floe.listener.status;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this instance knows of the tables it polls, for the REST status and the lag gauge.
 *
 * <p>Thread-safe: the loop thread writes, REST and metrics read.
 */
public final class TableStatuses {

  /**
   * @param upToDateAt when a poll last confirmed that everything was published
   * @param interval the table's current poll interval
   */
  public record Polled(
      Instant lastPollAt,
      Instant upToDateAt,
      Duration interval,
      String lastError,
      Instant lastErrorAt) {}

  private final Map<String, Polled> polled = new ConcurrentHashMap<>();

  public void succeeded(String table, Instant at, Duration interval) {
    polled.put(table, new Polled(at, at, interval, null, null));
  }

  public void failed(String table, Instant at, Duration interval, String error) {
    polled.compute(
        table,
        (k, old) -> new Polled(at, old == null ? null : old.upToDateAt(), interval, error, at));
  }

  public void forget(String table) {
    polled.remove(table);
  }

  public Optional<Polled> get(String table) {
    return Optional.ofNullable(polled.get(table));
  }

  public Map<String, Polled> all() {
    return Map.copyOf(polled);
  }

  /** How long ago a table was last confirmed up to date; zero before its first poll. */
  public Duration lag(String table, Instant now) {
    Polled p = polled.get(table);
    if (p == null || p.upToDateAt() == null) {
      return Duration.ZERO;
    }
    return Duration.between(p.upToDateAt(), now);
  }
}
