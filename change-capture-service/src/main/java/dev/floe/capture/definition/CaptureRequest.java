package dev.floe.capture.definition;

import dev.floe.contracts.model.ChangeKind;
import dev.floe.contracts.model.Identifiers;
import dev.floe.contracts.model.RowTransactionTopic;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A request to create or replace a capture.
 *
 * @param id the capture id
 * @param table the source table, {@code namespace.table}
 * @param trackedFields fields whose change range each change set reports
 * @param changeKinds the kinds that get ICDC states; all when absent
 * @param icdc where the ICDC table lives; {@code floe_icdc.<namespace>__<table>__<id>} when absent
 * @param coalesceWindow reserved: only {@code PT0S} (one change set per commit) is supported now
 * @param icdcTtl how long change sets stay readable
 * @param pinTtl how long unconsumed source snapshots stay pinned
 * @param exactRanges read the tracked columns of changed files for exact ranges
 * @param rowStream publish each captured snapshot's row changes in Debezium's envelope; false when
 *     absent
 * @param rowStreamSnapshot first publish the table's existing rows as {@code r} events; false when
 *     absent, and only with {@code rowStream}
 * @param rowStreamTombstones follow each delete of a keyed table with a tombstone; true when absent
 * @param rowStreamTransactionTopic where BEGIN and END go: {@code table} ({@code
 *     floe.transactions.<namespace>.<table>}, when absent) or {@code capture} ({@code
 *     floe.capture.<id>.transaction}, Debezium's naming)
 * @param branch the source branch to capture, {@code main} when absent
 */
public record CaptureRequest(
    @Schema(example = "orders_daily", required = true)
        @NotBlank
        @Pattern(
            regexp = "[a-z0-9][a-z0-9_-]{0,99}",
            message = "must be lower-case letters, digits, _ and -")
        String id,
    @Schema(example = "demo.orders", required = true)
        @NotBlank
        @Pattern(regexp = Identifiers.TABLE, message = Identifiers.TABLE_MESSAGE)
        String table,
    @Schema(example = "[\"order_ts\"]") @Size(max = 50) List<@NotBlank String> trackedFields,
    List<@NotNull ChangeKind> changeKinds,
    @Valid IcdcTarget icdc,
    @Schema(example = "PT0S") Duration coalesceWindow,
    @Schema(example = "P7D") Duration icdcTtl,
    @Schema(example = "P3D") Duration pinTtl,
    Boolean exactRanges,
    Boolean rowStream,
    Boolean rowStreamSnapshot,
    Boolean rowStreamTombstones,
    @Schema(example = "table") RowTransactionTopic rowStreamTransactionTopic,
    @Pattern(regexp = Identifiers.BRANCH, message = Identifiers.BRANCH_MESSAGE) String branch) {

  /**
   * Where the ICDC table lives.
   *
   * @param namespace dotted namespace
   * @param table table name
   */
  public record IcdcTarget(
      @Pattern(regexp = Identifiers.NAMESPACE, message = Identifiers.NAME_MESSAGE) String namespace,
      @Pattern(regexp = Identifiers.NAME, message = Identifiers.NAME_MESSAGE) String table) {}
}
