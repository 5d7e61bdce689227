package dev.floe.stack.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.floe.stack.host.RepoPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Separate-process servers find their jars, or say which module to build. */
@Tag("unit")
class ServerClasspathTest {

  @Test
  void s3ProxyClasspathNamesAnExistingJar() {
    String classpath =
        ServerClasspath.read("floe/s3proxy-server.classpath", RepoPaths.S3PROXY_SERVER);

    assertThat(classpath).contains("s3proxy").endsWith("-jar-with-dependencies.jar");
    assertThat(Files.isRegularFile(Path.of(classpath))).isTrue();
  }

  @Test
  void aMissingClasspathResourceNamesTheModuleToBuild() {
    assertThatThrownBy(() -> ServerClasspath.read("floe/no-such-server.classpath", "deploy/nope"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("floe/no-such-server.classpath is missing")
        .hasMessageContaining("mvn -pl deploy/nope install");
  }
}
