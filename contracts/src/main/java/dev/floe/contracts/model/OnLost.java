package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonCreator;

/**
 * What a trigger does when a change it reads was lost ({@code ChangeLost}: a source snapshot
 * expired before its capture). The JSON names are never renamed.
 */
public enum OnLost implements WireNamed {
  /**
   * No new run forms until an operator resumes the trigger (or starts a backfill); the next run's
   * input lists the lost changes. The default.
   */
  HOLD,
  /** Runs go on; the next run's input lists the lost changes. */
  CONTINUE;

  @JsonCreator
  public static OnLost fromWireName(String name) {
    return WireNamed.fromWireName(OnLost.class, "onLost", name);
  }
}
