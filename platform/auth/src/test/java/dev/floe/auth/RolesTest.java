package dev.floe.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class RolesTest {
  @Test
  void shouldGiveAnAdminEveryRole() {
    assertThat(Roles.withImplied(Set.of("admin")))
        .containsExactlyInAnyOrder("admin", "operator", "viewer");
  }

  @Test
  void shouldGiveAnOperatorTheViewerRoleButNotAdmin() {
    assertThat(Roles.withImplied(Set.of("operator")))
        .containsExactlyInAnyOrder("operator", "viewer");
  }

  @Test
  void shouldKeepAViewerAndForeignRolesAsTheyAre() {
    assertThat(Roles.withImplied(Set.of("viewer", "billing")))
        .containsExactlyInAnyOrder("viewer", "billing");
    assertThat(Roles.withImplied(Set.of("Admin"))).containsExactly("Admin");
    assertThat(Roles.withImplied(Set.of())).isEmpty();
  }
}
