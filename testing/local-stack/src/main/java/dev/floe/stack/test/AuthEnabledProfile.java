package dev.floe.stack.test;

import dev.floe.stack.auth.DevAuth;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs a service's {@code @QuarkusTest} with authentication on, as in production: bearer tokens
 * from {@link #issuer()} verified against its public key. Other tests run with {@code
 * floe.auth.enabled=false}.
 */
public class AuthEnabledProfile implements QuarkusTestProfile {
  /** The development issuer the service trusts, its keys kept in the module's build directory. */
  public static DevAuth issuer() {
    return DevAuth.forTests();
  }

  @Override
  public Map<String, String> getConfigOverrides() {
    Map<String, String> config = new LinkedHashMap<>(issuer().serviceConfig());
    config.put("floe.auth.enabled", "true");
    return config;
  }
}
