package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.RowTransactionTopic;
import dev.floe.contracts.model.TableRef;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A capture (subscription): the changes of a source table become ICDC table states and {@code
 * ChangeCaptured} events.
 *
 * @param captureId unique, {@code [a-z0-9][a-z0-9_-]*}
 * @param table the source table
 * @param branch the source branch whose commits are captured
 * @param trackedFields the fields whose change range every change set reports
 * @param changeKinds the kinds that get ICDC states; other kinds are counted, logged and skipped
 * @param icdcTable where the capture's ICDC table lives
 * @param coalesceWindow commits that arrive within this window of the first become one change set;
 *     zero for one change set per commit
 * @param icdcTtl how long a change set's ICDC state stays readable
 * @param pinTtl how long a source snapshot stays pinned when its change is not consumed
 * @param exactRanges read the tracked columns of the changed files for exact ranges
 * @param rowStream publish each captured snapshot's row changes, in Debezium's envelope, to {@code
 *     floe.rows.<namespace>.<table>}; added in version 1 as an optional field, false when absent
 * @param rowStreamSnapshot before the first change the row stream publishes, publish the table's
 *     rows at that change's parent as {@code r} (read) events; optional, false when absent
 * @param rowStreamTombstones follow each delete event of a keyed table with a tombstone (the key, a
 *     null value), as Debezium's {@code tombstones.on.delete} does, so that log compaction drops
 *     the key; optional, true when absent
 * @param rowStreamTransactionTopic where BEGIN and END events go; optional, {@code table} when
 *     absent
 */
public record CaptureDefined(
    @JsonProperty(required = true) String captureId,
    @JsonProperty(required = true) TableRef table,
    @JsonProperty(required = true) String branch,
    List<String> trackedFields,
    @JsonProperty(required = true) List<ChangeKind> changeKinds,
    @JsonProperty(required = true) TableRef icdcTable,
    @JsonProperty(required = true) Duration coalesceWindow,
    @JsonProperty(required = true) Duration icdcTtl,
    @JsonProperty(required = true) Duration pinTtl,
    boolean exactRanges,
    boolean rowStream,
    boolean rowStreamSnapshot,
    Boolean rowStreamTombstones,
    RowTransactionTopic rowStreamTransactionTopic,
    String definedBy,
    @JsonProperty(required = true) Instant definedAt)
    implements CaptureEvent {

  public CaptureDefined {
    requireNonNull(captureId, "captureId");
    requireNonNull(table, "table");
    requireNonNull(branch, "branch");
    requireNonNull(icdcTable, "icdcTable");
    requireNonNull(coalesceWindow, "coalesceWindow");
    requireNonNull(icdcTtl, "icdcTtl");
    requireNonNull(pinTtl, "pinTtl");
    requireNonNull(definedAt, "definedAt");
    trackedFields = trackedFields == null ? List.of() : List.copyOf(trackedFields);
    changeKinds = List.copyOf(requireNonNull(changeKinds, "changeKinds"));
    rowStreamTombstones = rowStreamTombstones == null || rowStreamTombstones;
    rowStreamTransactionTopic =
        rowStreamTransactionTopic == null ? RowTransactionTopic.TABLE : rowStreamTransactionTopic;
  }

  @Override
  public String idSeed() {
    return captureId + "/" + definedAt.toEpochMilli();
  }
}
