package dev.floe.contracts.event;

/**
 * Captured change sets, and changes that could not be captured, on {@code floe.changes}, keyed by
 * capture.
 */
public sealed interface ChangeEvent extends Payload permits ChangeCaptured, ChangeLost {

  String captureId();

  @Override
  default String key() {
    return captureId();
  }
}
