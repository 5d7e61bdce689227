package dev.floe.contracts.event;

/** The lifecycle of job runs, on {@code floe.runs}, keyed by trigger. */
public sealed interface RunEvent extends Payload
    permits RunRequested, RunStarted, RunSucceeded, RunFailed, RunCancelled {

  String triggerId();

  /**
   * Deterministic: the same inputs give the same run id, which names the launchers' idempotency
   * keys (one per attempt).
   */
  String runId();

  @Override
  default String key() {
    return triggerId();
  }
}
