package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
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
  public enum Policy {
    SEQUENTIAL("sequential"),
    PARALLEL("parallel"),
    LATEST_ONLY("latest-only");

    private final String wireName;

    Policy(String wireName) {
      this.wireName = wireName;
    }

    @JsonValue
    public String wireName() {
      return wireName;
    }

    @JsonCreator
    public static Policy fromWireName(String name) {
      for (Policy p : values()) {
        if (p.wireName.equals(name)) {
          return p;
        }
      }
      throw new IllegalArgumentException(
          "unknown policy '" + name + "'; known: sequential, parallel, latest-only");
    }
  }
}
