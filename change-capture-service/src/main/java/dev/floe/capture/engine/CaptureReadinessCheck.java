package dev.floe.capture.engine;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the capture loop runs and the group has assigned this instance its share, while the
 * capture definitions are read.
 */
@Readiness
@ApplicationScoped
public class CaptureReadinessCheck implements HealthCheck {
  private final CaptureRuntime runtime;

  @Inject
  public CaptureReadinessCheck(CaptureRuntime runtime) {
    this.runtime = runtime;
  }

  @Override
  public HealthCheckResponse call() {
    String state = runtime.state();
    boolean definitions = runtime.definitions() != null && runtime.definitions().alive();
    return HealthCheckResponse.named("change-capture")
        .status("running".equals(state) && definitions)
        .withData("state", state)
        .withData("definitionsReader", definitions ? "reading" : "stopped")
        .withData("instance", runtime.instanceId())
        .withData("captures", runtime.registry().all().size())
        .build();
  }
}
