package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * How many runs of one trigger may be in flight.
 *
 * @param policy sequential (one at a time, in order), parallel (up to {@code maxParallel}), or
 *     latest-only (one at a time; changes that arrive meanwhile fold into the next run)
 * @param maxParallel runs in flight at most; 1 unless the policy is parallel
 */
public record Concurrency(@JsonProperty(required = true) Policy policy, int maxParallel) {

  public Concurrency {
    Objects.requireNonNull(policy, "policy");
    if (maxParallel < 1) {
      throw new IllegalArgumentException("maxParallel must be at least 1");
    }
    if (policy != Policy.PARALLEL && maxParallel != 1) {
      throw new IllegalArgumentException("maxParallel is only for the parallel policy");
    }
  }

  public static Concurrency sequential() {
    return new Concurrency(Policy.SEQUENTIAL, 1);
  }

  /** The JSON names are never renamed. */
  public enum Policy implements WireNamed {
    SEQUENTIAL,
    PARALLEL,
    LATEST_ONLY;

    @JsonCreator
    public static Policy fromWireName(String name) {
      return WireNamed.fromWireName(Policy.class, "policy", name);
    }
  }
}
