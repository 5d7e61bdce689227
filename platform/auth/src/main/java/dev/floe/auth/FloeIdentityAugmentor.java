package dev.floe.auth;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * Gives each caller the roles its granted roles include, so that endpoints name only the least role
 * they need. With {@code floe.auth.enabled=false} (tests and development only) every caller, the
 * anonymous one too, has every role.
 */
@ApplicationScoped
public class FloeIdentityAugmentor implements SecurityIdentityAugmentor {
  private final boolean enabled;

  public FloeIdentityAugmentor(AuthConfig config) {
    this.enabled = config.enabled();
  }

  @Override
  public Uni<SecurityIdentity> augment(
      SecurityIdentity identity, AuthenticationRequestContext context) {
    Set<String> roles = enabled ? Roles.withImplied(identity.getRoles()) : Set.copyOf(Roles.ALL);
    if (identity.getRoles().containsAll(roles)) {
      return Uni.createFrom().item(identity);
    }
    return Uni.createFrom().item(QuarkusSecurityIdentity.builder(identity).addRoles(roles).build());
  }
}
