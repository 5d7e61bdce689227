package dev.floe.capture.status;

import dev.floe.capture.engine.CaptureRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the capture loop runs and the group has assigned this instance its share. */
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
    return HealthCheckResponse.named("change-capture")
        .status("running".equals(state))
        .withData("state", state)
        .withData("instance", runtime.instanceId())
        .withData("captures", runtime.registry().all().size())
        .build();
  }
}
