package dev.floe.auth;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.inject.Instance;

/** Who made a request, as recorded in the events it causes. */
public final class Callers {
  /** The name recorded when no caller is authenticated (authentication off). */
  public static final String ANONYMOUS = "anonymous";

  private Callers() {}

  /** The authenticated caller's principal name, or {@value #ANONYMOUS}. */
  public static String name(Instance<SecurityIdentity> identity) {
    if (identity.isResolvable() && !identity.get().isAnonymous()) {
      return identity.get().getPrincipal().getName();
    }
    return ANONYMOUS;
  }
}
