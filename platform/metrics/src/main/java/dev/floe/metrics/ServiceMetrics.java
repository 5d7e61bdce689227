package dev.floe.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Tags every meter of a service with {@code service}, so that one dashboard query covers every
 * instance of every service, and publishes {@code floe_service_info{service,version} 1}.
 */
@ApplicationScoped
public class ServiceMetrics {
  /** Every Floe metric name starts with this; Prometheus shows it as {@code floe_}. */
  public static final String PREFIX = "floe.";

  public static final String SERVICE_TAG = "service";

  private final String service;
  private final String version;

  public ServiceMetrics(
      @ConfigProperty(name = "quarkus.application.name") String service,
      @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown")
          String version) {
    this.service = service;
    this.version = version;
  }

  @Produces
  @Singleton
  MeterFilter serviceTag() {
    return MeterFilter.commonTags(Tags.of(SERVICE_TAG, service));
  }

  void publishInfo(@Observes StartupEvent started, MeterRegistry registry) {
    Gauge.builder(PREFIX + "service.info", () -> 1)
        .description("Always 1; its tags name the service and its version")
        .tags(SERVICE_TAG, service, "version", version)
        .register(registry);
  }
}
