package dev.floe.contracts.event;

/**
 * How far triggers have consumed captures, on the compacted {@code floe.consumption}, keyed by
 * capture and trigger ({@code <captureId>/<triggerId>}). The latest record per key is the state;
 * the change-capture-service reads it to release the pins no reader needs any more.
 */
public sealed interface ConsumptionEvent extends Payload permits CaptureConsumed {

  String captureId();

  String triggerId();

  @Override
  default String key() {
    return captureId() + "/" + triggerId();
  }
}
