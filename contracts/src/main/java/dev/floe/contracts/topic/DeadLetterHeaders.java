package dev.floe.contracts.topic;

/**
 * Headers on every dead-letter record. The value and key are the original bytes, untouched, so that
 * nothing is lost and a record can be replayed once the cause is fixed; only a value too long for a
 * dead-letter record is cut, and says so ({@link #TRUNCATED_FROM}). The names match SmallRye
 * Reactive Messaging's dead-letter queue, so records from either path read alike.
 */
public final class DeadLetterHeaders {
  /** A stable, machine-readable reason code, such as {@code malformed-json}. */
  public static final String REASON = "dead-letter-reason";

  /** A human-readable explanation naming the offending field where there is one. */
  public static final String CAUSE = "dead-letter-cause";

  public static final String TOPIC = "dead-letter-topic";
  public static final String PARTITION = "dead-letter-partition";
  public static final String OFFSET = "dead-letter-offset";

  /**
   * Present when the dead-letter copy holds only the first bytes of the value: the value's full
   * length. The whole record stays on its topic at {@link #OFFSET}, within that topic's retention.
   */
  public static final String TRUNCATED_FROM = "dead-letter-truncated-from";

  /** The service that gave up on the record. */
  public static final String SERVICE = "dead-letter-service";

  private DeadLetterHeaders() {}
}
