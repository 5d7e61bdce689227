package dev.floe.stack.kafka;

import dev.floe.stack.host.ChildProcesses;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;

/**
 * A single-node KRaft broker in its own JVM, as the local stack runs it: the storage directory is
 * formatted with Kafka's {@code StorageTool}, then {@code kafka.Kafka} is started. Data survives
 * restarts of the process; readiness is a metadata call.
 */
public final class KafkaProcess implements KafkaBroker {
  /**
   * A second client listener that requires SASL/PLAIN: one user and its password.
   *
   * @param port the listener's port on 127.0.0.1
   */
  public record SaslPlain(int port, String username, String password) {
    /** The settings a Kafka client needs to connect through this listener. */
    public Map<String, String> clientConfig() {
      return Map.of(
          "bootstrap.servers",
          "127.0.0.1:" + port,
          "security.protocol",
          "SASL_PLAINTEXT",
          "sasl.mechanism",
          "PLAIN",
          "sasl.jaas.config",
          "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
              + username
              + "\" password=\""
              + password
              + "\";");
    }
  }

  private final Path home;
  private final int port;
  private final Path config;
  private Process process;

  private KafkaProcess(Path home, int port, Path config) {
    this.home = home;
    this.port = port;
    this.config = config;
  }

  /**
   * Formats {@code home} if it is new and starts the broker.
   *
   * @param home where the configuration, data and log live
   * @param port the client port on 127.0.0.1
   * @param controllerPort the KRaft controller port on 127.0.0.1
   */
  public static KafkaProcess start(Path home, int port, int controllerPort) {
    return start(home, port, controllerPort, null);
  }

  /**
   * As {@link #start(Path, int, int)}, with a second client listener that requires SASL/PLAIN when
   * {@code sasl} is given. The plaintext listener stays, for the test's own tools.
   */
  public static KafkaProcess start(Path home, int port, int controllerPort, SaslPlain sasl) {
    try {
      Files.createDirectories(home);
      Path config = writeConfig(home, port, controllerPort, sasl);
      if (!Files.exists(home.resolve("data").resolve("meta.properties"))) {
        format(config);
      }
      KafkaProcess kafka = new KafkaProcess(home, port, config);
      kafka.launch();
      return kafka;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare Kafka in " + home, e);
    }
  }

  private static Path writeConfig(Path home, int port, int controllerPort, SaslPlain sasl)
      throws IOException {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    props.put(
        "listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    if (sasl != null) {
      String listener = "SASL_PLAINTEXT://127.0.0.1:" + sasl.port();
      props.put(
          "listeners",
          "PLAINTEXT://127.0.0.1:"
              + port
              + ","
              + listener
              + ",CONTROLLER://127.0.0.1:"
              + controllerPort);
      props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port + "," + listener);
      props.put(
          "listener.security.protocol.map",
          "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
      props.put("sasl.enabled.mechanisms", "PLAIN");
      props.put(
          "listener.name.sasl_plaintext.plain.sasl.jaas.config",
          "org.apache.kafka.common.security.plain.PlainLoginModule required user_"
              + sasl.username()
              + "=\""
              + sasl.password()
              + "\";");
    }
    props.put("log.dirs", home.resolve("data").toAbsolutePath().toString());
    props.putAll(BrokerDefaults.PROPERTIES);
    Path config = home.resolve("server.properties");
    Files.writeString(
        config,
        props.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining("\n", "", "\n")));
    Path log4j = home.resolve("log4j2.properties");
    try (var in = KafkaProcess.class.getResourceAsStream("/floe/kafka-log4j2.properties")) {
      Files.writeString(
          log4j,
          new String(in.readAllBytes(), StandardCharsets.UTF_8)
              .replace("${floe.kafka.home}", home.toAbsolutePath().toString()));
    }
    return config;
  }

  private static void format(Path config) {
    int exit =
        StorageTool.execute(
            new String[] {
              "format",
              "-t",
              Uuid.randomUuid().toString(),
              "-c",
              config.toString(),
              "--ignore-formatted"
            },
            new PrintStream(System.out, true, StandardCharsets.UTF_8));
    if (exit != 0) {
      throw new IllegalStateException("kafka-storage format failed with exit code " + exit);
    }
  }

  private void launch() throws IOException {
    List<String> command = ChildProcesses.java();
    command.add("-Xms256m");
    command.add("-Xmx512m");
    command.add("-Dlog4j2.configurationFile=" + home.resolve("log4j2.properties").toAbsolutePath());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("kafka.Kafka");
    command.add(config.toAbsolutePath().toString());
    process =
        ChildProcesses.register(
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(
                    ProcessBuilder.Redirect.appendTo(home.resolve("kafka.out").toFile()))
                .start());
    try {
      KafkaReadiness.await(bootstrapServers(), Duration.ofSeconds(90));
    } catch (IllegalStateException e) {
      close();
      throw new IllegalStateException(
          e.getMessage()
              + "; see "
              + home.resolve("kafka.out")
              + " and "
              + home.resolve("server.log"),
          e);
    }
  }

  /** Stops the broker; {@link #restart()} brings it back with the same data. */
  public void stop() {
    if (process != null && process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  public void restart() {
    stop();
    try {
      launch();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  @Override
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  @Override
  public void close() {
    stop();
  }
}
