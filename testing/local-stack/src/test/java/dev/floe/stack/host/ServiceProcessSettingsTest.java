package dev.floe.stack.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The local stack starts each packaged service with the JVM settings its image gives it, so that
 * the memory the benchmarks measure is the memory a deployment sees.
 */
class ServiceProcessSettingsTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "commit-listener",
        "change-capture-service",
        "trigger-service",
        "backfill-service"
      })
  void theLocalStackStartsAServiceAsItsImageDoes(String service) throws IOException {
    Properties app = new Properties();
    Path file = Path.of("..", "..", service, "src", "main", "resources", "application.properties");
    try (Reader in = Files.newBufferedReader(file)) {
      app.load(in);
    }
    List<String> image = new ArrayList<>();
    image.add(app.getProperty("quarkus.jib.environment-variables.\"GC_CONTAINER_OPTIONS\""));
    image.addAll(Arrays.asList(app.getProperty("quarkus.jib.jvm-additional-arguments").split(",")));

    assertThat(image).containsAll(ServiceProcess.JVM_SETTINGS);
    ServiceProcess.ENVIRONMENT.forEach(
        (name, value) ->
            assertThat(app.getProperty("quarkus.jib.environment-variables.\"" + name + "\""))
                .as(name)
                .isEqualTo(value));
  }
}
