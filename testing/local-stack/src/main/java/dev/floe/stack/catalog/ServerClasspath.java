package dev.floe.stack.catalog;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The classpath of a server that runs in its own process, as a deploy module wrote it into a
 * resource of its jar at build time (maven-dependency-plugin's {@code build-classpath}). Stateless.
 */
final class ServerClasspath {
  private ServerClasspath() {}

  /**
   * Reads {@code resource} and checks that every jar it names exists.
   *
   * @param module the deploy module that writes the resource, for the error message
   * @throws IllegalStateException naming the module to build when the resource or a jar is missing
   */
  static String read(String resource, String module) {
    String classpath;
    try (InputStream in = ServerClasspath.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            resource + " is missing: build " + module + " first (mvn -pl " + module + " install)");
      }
      classpath = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
    for (String entry : classpath.split(File.pathSeparator)) {
      if (entry.isBlank() || !Files.isRegularFile(Path.of(entry))) {
        throw new IllegalStateException(
            "'"
                + entry
                + "' named by "
                + resource
                + " is missing: build "
                + module
                + " again so that Maven downloads it");
      }
    }
    return classpath;
  }
}
