package dev.floe.listener.hint;

import java.nio.charset.StandardCharsets;
import org.apache.iceberg.metrics.CommitReport;
import org.apache.iceberg.rest.requests.ReportMetricsRequest;
import org.apache.iceberg.rest.requests.ReportMetricsRequestParser;

/**
 * Reads a push hint: Iceberg's own REST {@code ReportMetricsRequest} JSON, as a writer-side {@code
 * MetricsReporter} or a REST catalog sends it. Only commit reports are hints; a hint never becomes
 * an event by itself, it only makes the listener look at the table now.
 */
public final class HintParser {
  private HintParser() {}

  /**
   * @param tableName the table as the writer named it, usually {@code
   *     <catalog>.<namespace>.<table>}
   * @param snapshotId the committed snapshot; null for reports other than commit reports
   */
  /**
   * The longest hint read, 64 KiB: an Iceberg commit report is a few KiB, and a hint only names a
   * table and a snapshot.
   */
  public static final int MAX_BYTES = 64 * 1024;

  public record Hint(String tableName, Long snapshotId) {
    public boolean isCommit() {
      return snapshotId != null;
    }
  }

  /**
   * @throws IllegalArgumentException when the body is not a valid report
   */
  public static Hint parse(byte[] json) {
    if (json == null) {
      throw new IllegalArgumentException("a hint needs a body");
    }
    if (json.length > MAX_BYTES) {
      throw new IllegalArgumentException(
          "a hint of " + json.length + " bytes is over the limit of " + MAX_BYTES + " bytes");
    }
    return parse(new String(json, StandardCharsets.UTF_8));
  }

  public static Hint parse(String json) {
    ReportMetricsRequest request;
    try {
      request = ReportMetricsRequestParser.fromJson(json);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "not an Iceberg ReportMetricsRequest: " + e.getMessage(), e);
    }
    if (request.report() instanceof CommitReport commit) {
      return new Hint(commit.tableName(), commit.snapshotId());
    }
    return new Hint(null, null);
  }
}
