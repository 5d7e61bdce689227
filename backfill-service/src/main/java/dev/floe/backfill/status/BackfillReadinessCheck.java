package dev.floe.backfill.status;

import dev.floe.backfill.engine.BackfillRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while the service runs backfills: definitions are read, and the decision core runs or
 * rebalances. A decision core in error, or a definitions reader that stopped, is DOWN.
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
    boolean running =
        streams == KafkaStreams.State.RUNNING || streams == KafkaStreams.State.REBALANCING;
    return HealthCheckResponse.named("backfill-decisions")
        .status("running".equals(runtime.state()) && definitions && running)
        .withData("state", runtime.state())
        .withData("decisionCore", String.valueOf(streams))
        .withData("definitionsReader", definitions ? "reading" : "stopped")
        .build();
  }
}
