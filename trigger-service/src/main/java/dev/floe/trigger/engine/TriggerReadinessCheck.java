package dev.floe.trigger.engine;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while the service decides and launches: the definitions are read, and the decision core
 * runs or rebalances. A decision core in error, or a definitions reader that stopped, is DOWN.
 */
@Readiness
@ApplicationScoped
public class TriggerReadinessCheck implements HealthCheck {
  private final TriggerRuntime runtime;

  @Inject
  public TriggerReadinessCheck(TriggerRuntime runtime) {
    this.runtime = runtime;
  }

  @Override
  public HealthCheckResponse call() {
    KafkaStreams.State streams = runtime.streamsState();
    boolean definitions = runtime.definitions() != null && runtime.definitions().alive();
    boolean deciding =
        streams == KafkaStreams.State.RUNNING || streams == KafkaStreams.State.REBALANCING;
    return HealthCheckResponse.named("trigger-decisions")
        .status("running".equals(runtime.state()) && definitions && deciding)
        .withData("state", runtime.state())
        .withData("decisionCore", String.valueOf(streams))
        .withData("definitionsReader", definitions ? "reading" : "stopped")
        .withData("triggers", runtime.registry().all().size())
        .build();
  }
}
