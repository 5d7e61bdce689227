package dev.floe.icdc;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.apache.iceberg.Table;
import org.apache.iceberg.exceptions.CommitFailedException;

/**
 * Commits that update a table's references (branches and tags), made again from scratch when
 * another writer committed first.
 *
 * <p>Iceberg retries a plain commit on the refreshed table by itself, but it cannot replay a
 * reference update on a newer base: the update keeps the metadata it was built on, and the whole
 * commit fails with "Table metadata refresh is required" however many retries the table allows.
 * Floe commits references to tables others commit to all the time: pins on source tables that their
 * writers append to, and states in ICDC tables that captures, triggers and backfills share. So each
 * such commit is a function that reads the table, checks what is already there, and builds its
 * update anew; it runs again on the refreshed table, up to {@value #ATTEMPTS} times, after a short
 * jittered backoff.
 */
public final class RefCommits {
  /** How many times a commit is built and tried before the other writers' commits win. */
  public static final int ATTEMPTS = 8;

  private RefCommits() {}

  /**
   * @throws CommitFailedException when every attempt lost to another writer
   */
  public static void retrying(Table table, Runnable commit) {
    retrying(
        table,
        () -> {
          commit.run();
          return null;
        });
  }

  /**
   * @return what the successful attempt returned
   * @throws CommitFailedException when every attempt lost to another writer
   */
  public static <T> T retrying(Table table, Supplier<T> commit) {
    for (int attempt = 1; ; attempt++) {
      try {
        return commit.get();
      } catch (CommitFailedException e) {
        if (attempt >= ATTEMPTS) {
          throw e;
        }
      }
      table.refresh();
      long backoffMs = Math.min(1_000, 20L << attempt);
      try {
        Thread.sleep(backoffMs / 2 + ThreadLocalRandom.current().nextLong(backoffMs / 2 + 1));
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw new CommitFailedException(interrupted, "interrupted while retrying a commit");
      }
    }
  }
}
