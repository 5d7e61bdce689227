package dev.floe.listener.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.floe.contracts.model.BranchPosition;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A watched table and how far it is published, as {@code GET /watches} shows it.
 *
 * @param table {@code namespace.table}
 * @param source {@code config}, {@code discovered} or {@code api}
 * @param definedBy who defined an {@code api} watch: the authenticated caller
 * @param status {@code ok}, {@code pending} (no checkpoint yet), {@code dropped} or {@code error}
 * @param published per branch, the last snapshot published
 * @param checkpointAt when the checkpoint last moved
 * @param polledHere true when this instance polls the table; the poll fields are filled then
 * @param lastPollAt when this instance last polled the table
 * @param lagMs how long ago a poll last confirmed that every commit was published
 * @param pollIntervalMs the table's current adaptive poll interval
 * @param lastError the last poll error, from this instance or the owner's checkpoint
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WatchView(
    String table,
    String catalog,
    String source,
    String definedBy,
    List<String> branches,
    String initialPosition,
    String status,
    Map<String, BranchPosition> published,
    Instant checkpointAt,
    boolean polledHere,
    Instant lastPollAt,
    Long lagMs,
    Long pollIntervalMs,
    String lastError,
    Instant lastErrorAt) {}
