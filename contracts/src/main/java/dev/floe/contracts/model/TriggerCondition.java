package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** When a trigger with several inputs may run. The JSON names are never renamed. */
public enum TriggerCondition {
  /** Any input with pending changes is enough. */
  ANY("any"),
  /** Every input must have pending changes. */
  ALL("all");

  private final String wireName;

  TriggerCondition(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  @JsonCreator
  public static TriggerCondition fromWireName(String name) {
    for (TriggerCondition c : values()) {
      if (c.wireName.equals(name)) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown condition '" + name + "'; known: any, all");
  }
}
