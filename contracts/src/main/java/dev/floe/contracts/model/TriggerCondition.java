package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonCreator;

/** When a trigger with several inputs may run. The JSON names are never renamed. */
public enum TriggerCondition implements WireNamed {
  /** Any input with pending changes is enough. */
  ANY,
  /** Every input must have pending changes. */
  ALL;

  @JsonCreator
  public static TriggerCondition fromWireName(String name) {
    return WireNamed.fromWireName(TriggerCondition.class, "condition", name);
  }
}
