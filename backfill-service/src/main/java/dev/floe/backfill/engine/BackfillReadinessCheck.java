package dev.floe.backfill.engine;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while the service runs backfills: definitions are read, and the decision core runs, or
 * rebalances after it first ran. Before its first assignment the store behind the API cannot be
 * read (views answer 503), so that is not ready; a later rebalance does not take the instance out
 * of service. A decision core in error, or a definitions reader that stopped, is DOWN.
 */
@Readiness
@ApplicationScoped
public class BackfillReadinessCheck implements HealthCheck {
  private final BackfillRuntime runtime;

  @Inject
  public BackfillReadinessCheck(BackfillRuntime runtime) {
    this.runtime = runtime;
  }

  @Override
  public HealthCheckResponse call() {
    KafkaStreams.State streams = runtime.streamsState();
    boolean definitions = runtime.definitions() != null && runtime.definitions().alive();
    boolean running = deciding(streams, runtime.storeServed());
    return HealthCheckResponse.named("backfill-decisions")
        .status("running".equals(runtime.state()) && definitions && running)
        .withData("state", runtime.state())
        .withData("decisionCore", String.valueOf(streams))
        .withData("definitionsReader", definitions ? "reading" : "stopped")
        .build();
  }

  /** Whether a decision core in {@code state} serves backfills, given whether it ever ran. */
  static boolean deciding(KafkaStreams.State state, boolean storeServed) {
    return state == KafkaStreams.State.RUNNING
        || (state == KafkaStreams.State.REBALANCING && storeServed);
  }
}
