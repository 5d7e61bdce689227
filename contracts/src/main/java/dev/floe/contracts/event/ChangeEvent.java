package dev.floe.contracts.event;

/** Captured change sets, on {@code floe.changes}, keyed by capture. */
public sealed interface ChangeEvent extends Payload permits ChangeCaptured {

  String captureId();

  @Override
  default String key() {
    return captureId();
  }
}
