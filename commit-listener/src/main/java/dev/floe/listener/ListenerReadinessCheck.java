package dev.floe.listener;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the listener's topics exist and its publishing loop runs. */
@Readiness
@ApplicationScoped
public class ListenerReadinessCheck implements HealthCheck {
  private final ListenerRuntime runtime;

  @Inject
  public ListenerReadinessCheck(ListenerRuntime runtime) {
    this.runtime = runtime;
  }

  @Override
  public HealthCheckResponse call() {
    String state = runtime.state();
    return HealthCheckResponse.named("commit-listener")
        .status("running".equals(state))
        .withData("state", state)
        .withData("instance", runtime.instanceId())
        .withData("tables", runtime.watches().size())
        .build();
  }
}
