package dev.floe.listener.poll;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * When each table is polled next. A table that just changed is polled again after {@code min}; each
 * quiet or failed poll doubles its interval up to {@code max}, so idle tables cost little and a
 * catalog outage is retried with back-off. A hint makes a table due at once.
 *
 * <p>Not thread-safe: owned by the listener's loop thread.
 */
public final class PollSchedule {
  private final Duration min;
  private final Duration max;
  private final Map<String, Entry> entries = new HashMap<>();

  public PollSchedule(Duration min, Duration max) {
    if (min.isZero() || min.isNegative() || max.compareTo(min) < 0) {
      throw new IllegalArgumentException("need 0 < min <= max, got min=" + min + " max=" + max);
    }
    this.min = min;
    this.max = max;
  }

  private static final class Entry {
    Instant nextAt;
    Duration interval;
    Instant hintedAt;
  }

  private Entry entry(String table, Instant now) {
    return entries.computeIfAbsent(
        table,
        t -> {
          Entry e = new Entry();
          e.nextAt = now;
          e.interval = min;
          return e;
        });
  }

  public boolean isDue(String table, Instant now) {
    return !entry(table, now).nextAt.isAfter(now);
  }

  /**
   * Records a poll that started at {@code started} and ended at {@code now}: it found changes,
   * nothing, or failed. A hint that arrived while it ran may name a commit it did not see, so the
   * table is then polled again at once.
   */
  public void polled(String table, Instant started, Instant now, boolean changed, boolean failed) {
    Entry e = entry(table, now);
    e.interval = changed && !failed ? min : min(max, e.interval.multipliedBy(2));
    boolean hintedMeanwhile = e.hintedAt != null && e.hintedAt.isAfter(started);
    e.nextAt = hintedMeanwhile && !failed ? now : now.plus(e.interval);
  }

  /** Records a poll that ran at {@code now}. */
  public void polled(String table, Instant now, boolean changed, boolean failed) {
    polled(table, now, now, changed, failed);
  }

  /** A writer reported a commit: poll as soon as possible, and often while it stays busy. */
  public void hint(String table, Instant now) {
    Entry e = entry(table, now);
    e.nextAt = now;
    e.interval = min;
    e.hintedAt = now;
  }

  public Duration interval(String table) {
    Entry e = entries.get(table);
    return e == null ? min : e.interval;
  }

  /** Forgets a table that this instance no longer polls. */
  public void forget(String table) {
    entries.remove(table);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
