package dev.floe.auth;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The roles of Floe's REST APIs. Each role includes the ones below it: an admin is also an
 * operator, an operator also a viewer. A caller's roles come from its token's {@code groups} claim.
 */
public final class Roles {
  /** Reads definitions, runs, backfills and their progress. */
  public static final String VIEWER = "viewer";

  /**
   * Runs the day-to-day work: starts, pauses, resumes, cancels and retries backfills, pauses and
   * runs triggers, reports run status (the job runners' role) and releases pins.
   */
  public static final String OPERATOR = "operator";

  /** Changes what Floe watches, captures and triggers: creates and deletes definitions. */
  public static final String ADMIN = "admin";

  /** From the highest role to the lowest. */
  public static final List<String> ALL = List.of(ADMIN, OPERATOR, VIEWER);

  private Roles() {}

  /** {@code granted} with every Floe role that one of them includes. */
  public static Set<String> withImplied(Set<String> granted) {
    Set<String> roles = new LinkedHashSet<>(granted);
    for (int i = 0; i < ALL.size(); i++) {
      if (granted.contains(ALL.get(i))) {
        roles.addAll(ALL.subList(i, ALL.size()));
        break;
      }
    }
    return roles;
  }
}
