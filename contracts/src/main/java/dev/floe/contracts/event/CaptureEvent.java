package dev.floe.contracts.event;

/**
 * Capture definitions, on the compacted {@code floe.captures}, keyed by capture id. A tombstone
 * (null value) deletes the capture.
 */
public sealed interface CaptureEvent extends Payload permits CaptureDefined {

  String captureId();

  @Override
  default String key() {
    return captureId();
  }
}
