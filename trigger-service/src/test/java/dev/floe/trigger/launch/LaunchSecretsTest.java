package dev.floe.trigger.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class LaunchSecretsTest {
  private final LaunchSecrets secrets =
      new LaunchSecrets(Map.of("job-token", "t0k$en\\1", "tenant", "acme"));

  @Test
  void referencesAreReplacedByTheirSecretsLiterally() {
    assertThat(secrets.resolve("Bearer ${secret:job-token}")).isEqualTo("Bearer t0k$en\\1");
    assertThat(secrets.resolve("${secret:tenant}/${secret:job-token}")).isEqualTo("acme/t0k$en\\1");
    assertThat(secrets.resolve("plain")).isEqualTo("plain");
  }

  @Test
  void anUnknownSecretIsNamedAndNoValueIsShown() {
    assertThatThrownBy(() -> secrets.resolve("Bearer ${secret:missing}"))
        .hasMessageContaining("floe.trigger.launch.secrets.missing")
        .hasMessageNotContaining("t0k");
  }

  @Test
  void credentialHeadersMustUseReferencesAndOthersMayNot() {
    assertThat(secrets.problem("Authorization", "Bearer abc")).isPresent();
    assertThat(secrets.problem("X-Api-Key", "abc")).isPresent();
    assertThat(secrets.problem("x-auth-token", "abc")).isPresent();
    assertThat(secrets.problem("Cookie", "session=abc")).isPresent();
    assertThat(secrets.problem("Authorization", "Bearer ${secret:job-token}")).isEmpty();
    assertThat(secrets.problem("X-Tenant", "acme")).isEmpty();
    assertThat(secrets.problem("X-Tenant", "${secret:nope}")).get().asString().contains("nope");
  }
}
