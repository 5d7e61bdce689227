package dev.floe.contracts.event;

/**
 * Trigger definitions, on the compacted {@code floe.triggers}, keyed by trigger id. A tombstone
 * (null value) deletes the trigger.
 */
public sealed interface TriggerEvent extends Payload permits TriggerDefined {

  String triggerId();

  @Override
  default String key() {
    return triggerId();
  }
}
