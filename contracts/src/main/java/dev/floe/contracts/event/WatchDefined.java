package dev.floe.contracts.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.floe.contracts.model.InitialPosition;
import dev.floe.contracts.model.TableRef;
import java.time.Instant;
import java.util.List;

/**
 * A table is watched: the commit-listener publishes every snapshot of its branches.
 *
 * @param branches the branches to follow, {@code main} unless others are opted in
 * @param initialPosition where publication starts when the table has no checkpoint
 * @param definedBy the authenticated principal that defined the watch
 */
public record WatchDefined(
    @JsonProperty(required = true) TableRef table,
    @JsonProperty(required = true) List<String> branches,
    @JsonProperty(required = true) InitialPosition initialPosition,
    String definedBy,
    @JsonProperty(required = true) Instant definedAt)
    implements WatchEvent {

  public WatchDefined {
    requireNonNull(table, "table");
    requireNonNull(initialPosition, "initialPosition");
    requireNonNull(definedAt, "definedAt");
    branches = List.copyOf(requireNonNull(branches, "branches"));
    if (branches.isEmpty()) {
      throw new IllegalArgumentException("a watch follows at least one branch");
    }
  }

  @Override
  public String idSeed() {
    return key() + "/" + definedAt.toEpochMilli();
  }
}
