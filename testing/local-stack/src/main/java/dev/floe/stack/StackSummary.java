package dev.floe.stack;

import dev.floe.stack.LocalStack.Options;
import dev.floe.stack.catalog.CatalogFixture;
import dev.floe.stack.host.RepoPaths;
import dev.floe.stack.host.ServiceProcess;
import dev.floe.stack.kafka.KafkaProcess;
import dev.floe.stack.prometheus.PrometheusProcess;
import java.nio.file.Path;
import java.util.List;

/**
 * What a newcomer needs to know about a running {@link LocalStack}, with every URL, as {@code
 * floe-local} prints it once the stack is up.
 *
 * @param demo whether the demo writer runs
 * @param pushHints whether the demo writer reports its commits to the commit-listener
 * @param prometheus null when the stack started no Prometheus
 */
record StackSummary(
    Options options,
    KafkaProcess kafka,
    CatalogFixture catalog,
    List<ServiceProcess> services,
    boolean demo,
    boolean pushHints,
    PrometheusProcess prometheus) {

  String text() {
    StringBuilder out = new StringBuilder();
    out.append("\nFloe local stack is up.\n\n");
    out.append(String.format("  %-24s %s%n", "Kafka bootstrap", kafka.bootstrapServers()));
    out.append(
        String.format(
            "  %-24s %s%n",
            "Iceberg catalog", catalog.name() + " (" + catalog.properties().get("uri") + ")"));
    out.append(String.format("  %-24s %s%n", "Warehouse", catalog.properties().get("warehouse")));
    for (ServiceProcess service : services) {
      out.append(String.format("  %-24s %s%n", service.name(), service.url()));
    }
    out.append(
        String.format(
            "  %-24s %s%n",
            "on every service", "/q/health/ready  /q/metrics  /q/openapi  /q/swagger-ui"));
    if (demo) {
      out.append(
          String.format(
              "  %-24s commits to %s:demo.orders every %ss%s%n",
              "Demo writer",
              catalog.name(),
              options.demoInterval().toSeconds(),
              pushHints ? ", with push hints to commit-listener" : ""));
    }
    if (prometheus != null) {
      out.append(
          String.format(
              "  %-24s %s (Floe's alert rules loaded; dashboards: "
                  + RepoPaths.GRAFANA_DASHBOARDS
                  + ")%n",
              "Prometheus",
              prometheus.url()));
    } else {
      out.append(
          String.format(
              "  %-24s not installed; 'apt-get install -y prometheus' adds it%n", "Prometheus"));
    }
    Path tokens = options.home().toAbsolutePath().resolve("auth");
    out.append(
        String.format(
            "  %-24s bearer tokens in %s/{viewer,operator,admin}.token (30 days)%n",
            "REST API auth", tokens));
    out.append(
        String.format(
            "  %-24s curl -H \"Authorization: Bearer $(cat %s/admin.token)\" %s/watches%n",
            "", tokens, services.get(0).url().toString().replaceAll("/$", "")));
    out.append(String.format("  %-24s %s%n", "Logs", options.home().resolve("logs")));
    out.append("\nPress Ctrl-C to stop.\n");
    return out.toString();
  }
}
