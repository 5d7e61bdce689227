package dev.floe.stack.host;

import java.nio.file.Path;

/**
 * Where things are in the Floe repository, relative to its root: the one place the test kit, the
 * local stack and the end-to-end tests learn the layout from, so that moving a folder is one edit.
 */
public final class RepoPaths {
  private RepoPaths() {}

  /** The module whose build writes the REST catalog server's classpath. */
  public static final String REST_CATALOG_SERVER = "testing/iceberg-rest-server";

  /** The module whose build writes the S3-compatible server's classpath. */
  public static final String S3PROXY_SERVER = "testing/s3proxy-server";

  /** Prometheus's configuration and Floe's alert rules, with their rule tests. */
  public static final String PROMETHEUS = "deploy/prometheus";

  /** The Grafana dashboards. */
  public static final String GRAFANA_DASHBOARDS = "deploy/grafana/dashboards";

  /** The packaged app of {@code service} (a Quarkus fast-jar) under the repository {@code root}. */
  public static Path app(Path root, String service) {
    return root.resolve(service).resolve("target").resolve("quarkus-app");
  }

  /** Floe's alert rules under the repository {@code root}. */
  public static Path alertRules(Path root) {
    return root.resolve(PROMETHEUS).resolve("rules");
  }

  /** Whether {@code dir} is the root of the Floe repository. */
  public static boolean isRoot(Path dir) {
    return dir.resolve("commit-listener").toFile().isDirectory()
        && dir.resolve("pom.xml").toFile().isFile();
  }
}
