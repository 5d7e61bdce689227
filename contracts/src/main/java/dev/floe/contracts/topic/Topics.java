package dev.floe.contracts.topic;

import dev.floe.contracts.model.TableRef;
import java.util.Set;

/**
 * Default topic names and their key rules. Every name can be changed by configuration; code and
 * tests refer to these constants, never to literals.
 *
 * <table>
 *   <caption>Topics</caption>
 *   <tr><th>topic</th><th>holds</th><th>key</th><th>cleanup</th></tr>
 *   <tr><td>{@value #SNAPSHOTS}</td><td>snapshot and table events</td><td>table</td><td>delete</td></tr>
 *   <tr><td>{@value #CHANGES}</td><td>captured change sets</td><td>capture id</td><td>delete</td></tr>
 *   <tr><td>{@value #RUNS}</td><td>job-run lifecycle</td><td>trigger id</td><td>delete</td></tr>
 *   <tr><td>{@value #BACKFILLS}</td><td>backfill lifecycle</td><td>backfill id</td><td>delete</td></tr>
 *   <tr><td>{@value #WATCHES}</td><td>watch definitions</td><td>table</td><td>compact</td></tr>
 *   <tr><td>{@value #CAPTURES}</td><td>capture definitions</td><td>capture id</td><td>compact</td></tr>
 *   <tr><td>{@value #TRIGGERS}</td><td>trigger definitions</td><td>trigger id</td><td>compact</td></tr>
 *   <tr><td>{@value #CONSUMPTION}</td><td>how far each trigger consumed each capture</td><td>capture/trigger</td><td>compact</td></tr>
 *   <tr><td>{@value #LISTENER_CHECKPOINTS}</td><td>per-table publication checkpoints</td><td>table</td><td>compact</td></tr>
 *   <tr><td>{@value #HINTS}</td><td>commit hints: Iceberg REST {@code ReportMetricsRequest} JSON</td><td>table</td><td>delete</td></tr>
 *   <tr><td>{@code floe.dlq.<service>}</td><td>input a service could not process</td><td>as received</td><td>delete</td></tr>
 *   <tr><td>{@code floe.rows.<namespace>.<table>}</td><td>row changes, Debezium envelope</td><td>row key</td><td>delete</td></tr>
 *   <tr><td>{@code floe.transactions.<namespace>.<table>}</td><td>BEGIN and END of each snapshot's row changes</td><td>transaction id</td><td>delete</td></tr>
 *   <tr><td>{@code floe.capture.<capture>.transaction}</td><td>the same, for a capture that asks for Debezium's naming</td><td>transaction id</td><td>delete</td></tr>
 * </table>
 */
public final class Topics {
  public static final String SNAPSHOTS = "floe.snapshots";
  public static final String CHANGES = "floe.changes";
  public static final String RUNS = "floe.runs";
  public static final String BACKFILLS = "floe.backfills";

  public static final String WATCHES = "floe.watches";
  public static final String CAPTURES = "floe.captures";
  public static final String TRIGGERS = "floe.triggers";
  public static final String LISTENER_CHECKPOINTS = "floe.listener.checkpoints";

  /**
   * How far each trigger consumed each capture ({@code CaptureConsumed}), keyed by capture and
   * trigger: written by the trigger-service in the transaction of the decision that moved it, read
   * by the change-capture-service to release the source pins no reader needs.
   */
  public static final String CONSUMPTION = "floe.consumption";

  /**
   * Push hints from writers: Iceberg's own REST {@code ReportMetricsRequest} JSON, keyed by table.
   * Co-partitioned with {@link #LISTENER_CHECKPOINTS}, so a hint reaches the listener instance that
   * owns its table.
   */
  public static final String HINTS = "floe.hints";

  /**
   * The compacted topics ({@code cleanup.policy=compact}): definitions and checkpoints, whose
   * latest record per key is the state. Every other topic, dead-letter and row topics included, is
   * deleted by time. Services create these topics compacted when they are missing; deployment
   * manifests that create topics ahead of the services must agree.
   */
  public static final Set<String> COMPACTED =
      Set.of(WATCHES, CAPTURES, TRIGGERS, LISTENER_CHECKPOINTS, CONSUMPTION);

  public static final String DLQ_PREFIX = "floe.dlq.";
  public static final String ROWS_PREFIX = "floe.rows.";
  public static final String TRANSACTIONS_PREFIX = "floe.transactions.";
  public static final String CAPTURE_PREFIX = "floe.capture.";

  private Topics() {}

  /** The dead-letter topic of a service, such as {@code floe.dlq.change-capture-service}. */
  public static String deadLetter(String service) {
    return DLQ_PREFIX + service;
  }

  /** The row-level change topic of a table, such as {@code floe.rows.demo.orders}. */
  public static String rows(TableRef table) {
    return ROWS_PREFIX + table.qualifiedName();
  }

  /**
   * The transaction-metadata topic of a table's row changes, such as {@code
   * floe.transactions.demo.orders}: a BEGIN and an END event for each snapshot, as Debezium's
   * {@code <prefix>.transaction} topic carries them.
   */
  public static String rowTransactions(TableRef table) {
    return TRANSACTIONS_PREFIX + table.qualifiedName();
  }

  /**
   * The transaction-metadata topic of a capture's row changes in Debezium's naming, {@code
   * <prefix>.transaction} with the prefix {@code floe.capture.<captureId>}: such as {@code
   * floe.capture.orders-daily.transaction}. A capture id has no dots, so no two captures share it.
   */
  public static String captureTransactions(String captureId) {
    return CAPTURE_PREFIX + captureId + ".transaction";
  }

  /** The key of every record about a table: {@code <catalog>:<namespace>.<table>}. */
  public static String tableKey(TableRef table) {
    return table.toString();
  }
}
