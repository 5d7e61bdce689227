package dev.floe.stack;

import dev.floe.stack.auth.DevAuth;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The bearer tokens of a {@link LocalStack}, from a development issuer kept with the stack: one
 * token file per role, readable by its owner only, for curl and the CLI. Immutable once opened.
 */
final class StackTokens {
  /** The roles of the REST APIs, each with a token file in {@code <home>/auth}. */
  static final List<String> ROLES = List.of("viewer", "operator", "admin");

  private static final Duration TOKEN_TTL = Duration.ofDays(30);

  private final DevAuth auth;

  private StackTokens(DevAuth auth) {
    this.auth = auth;
  }

  /** Opens the issuer kept in {@code dir} and writes there a fresh token file for every role. */
  static StackTokens open(Path dir) {
    StackTokens tokens = new StackTokens(DevAuth.open(dir));
    for (String role : ROLES) {
      write(file(dir, role), tokens.token(role));
    }
    return tokens;
  }

  /** The file in {@code dir} that holds the token of {@code role}. */
  static Path file(Path dir, String role) {
    return dir.resolve(role + ".token");
  }

  DevAuth auth() {
    return auth;
  }

  /** A token for {@code role}, valid for 30 days. */
  String token(String role) {
    return auth.token("local-" + role, List.of(role), DevAuth.ISSUER, Instant.now(), TOKEN_TTL);
  }

  private static void write(Path file, String token) {
    try {
      Files.writeString(file, token + "\n", StandardCharsets.US_ASCII);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
