package dev.floe.auth;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * Says at start-up how callers are authenticated, so that an operator sees a missing key before the
 * first refused request: with authentication on and no key to verify tokens with, every request to
 * a Floe endpoint is refused (401), never let through.
 */
@ApplicationScoped
public class AuthSettings {
  /** The settings that give smallrye-jwt a key, or keys, to verify bearer tokens with. */
  static final List<String> KEY_SETTINGS =
      List.of(
          "mp.jwt.verify.publickey",
          "mp.jwt.verify.publickey.location",
          "smallrye.jwt.verify.key.location");

  private static final Logger LOG = Logger.getLogger(AuthSettings.class);

  void onStart(@Observes StartupEvent event, AuthConfig auth, Config config) {
    if (!auth.enabled()) {
      LOG.warn(
          "floe.auth.enabled=false: every caller of the REST API has every role; never run this"
              + " way in production");
      return;
    }
    boolean keyed =
        KEY_SETTINGS.stream().anyMatch(k -> config.getOptionalValue(k, String.class).isPresent());
    if (keyed) {
      LOG.infof("REST API: bearer tokens required (roles %s, from the token's groups)", Roles.ALL);
    } else {
      LOG.warnf(
          "REST API: bearer tokens required, but none of %s is set: every request will be refused"
              + " (401)",
          KEY_SETTINGS);
    }
  }
}
