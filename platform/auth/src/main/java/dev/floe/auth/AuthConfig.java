package dev.floe.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code floe.auth.*}: how REST callers are authenticated. */
@ConfigMapping(prefix = "floe.auth")
public interface AuthConfig {
  /** {@code false} lets every caller do everything: for tests and development only. */
  @WithDefault("true")
  boolean enabled();
}
