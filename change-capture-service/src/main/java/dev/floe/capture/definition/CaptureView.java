package dev.floe.capture.definition;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A capture as {@code GET /captures} shows it.
 *
 * @param icdcTable {@code namespace.table} of its ICDC table
 * @param states the change states readable now; only on {@code GET /captures/{id}}
 * @param pinned the source snapshots pinned now; only on {@code GET /captures/{id}}
 * @param readers the triggers reading the capture, each with the source snapshots it still needs:
 *     pins of older snapshots are released at the next maintenance pass; only on {@code GET
 *     /captures/{id}}, absent when no trigger reads it (its pins last their TTL)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CaptureView(
    String id,
    String table,
    String branch,
    List<String> trackedFields,
    List<String> changeKinds,
    String icdcTable,
    Duration coalesceWindow,
    Duration icdcTtl,
    Duration pinTtl,
    boolean exactRanges,
    boolean rowStream,
    boolean rowStreamSnapshot,
    boolean rowStreamTombstones,
    String rowStreamTransactionTopic,
    String definedBy,
    Instant definedAt,
    Integer states,
    Integer pinned,
    Map<String, List<Long>> readers) {}
