package dev.floe.trigger.launch;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Secrets that a launcher's headers name as {@code ${secret:<name>}}. A trigger definition is an
 * event on {@code floe.triggers}, readable by every consumer of that topic, so it holds the
 * reference only; the value comes from {@code floe.trigger.launch.secrets.<name>} when a call is
 * made, and appears in no event and no log.
 */
public final class LaunchSecrets {
  private static final Pattern REFERENCE = Pattern.compile("\\$\\{secret:([A-Za-z0-9_.-]+)}");

  /** Headers that carry credentials: their values must be references. */
  private static final Pattern SENSITIVE =
      Pattern.compile(
          "(?i).*(authorization|cookie|token|secret|password|passwd|api-?key|credential|signature).*");

  private final Map<String, String> values;

  public LaunchSecrets(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  /**
   * {@code value} with every reference replaced by its secret.
   *
   * @throws IllegalArgumentException naming a secret that is not configured
   */
  public String resolve(String value) {
    Matcher m = REFERENCE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String secret = values.get(m.group(1));
      if (secret == null) {
        throw new IllegalArgumentException(unknown(m.group(1)));
      }
      m.appendReplacement(out, Matcher.quoteReplacement(secret));
    }
    m.appendTail(out);
    return out.toString();
  }

  /**
   * Why {@code header: value} may not be stored in a trigger definition, if it may not: a header
   * that carries credentials must take them from a secret, and every secret named must exist.
   */
  public Optional<String> problem(String header, String value) {
    Matcher m = REFERENCE.matcher(value);
    boolean referenced = false;
    while (m.find()) {
      referenced = true;
      if (!values.containsKey(m.group(1))) {
        return Optional.of(unknown(m.group(1)));
      }
    }
    if (!referenced && SENSITIVE.matcher(header).matches()) {
      return Optional.of(
          "carries a credential: set it as floe.trigger.launch.secrets.<name> and write"
              + " ${secret:<name>} here, so that it is in no event");
    }
    return Optional.empty();
  }

  private static String unknown(String name) {
    return "names the secret '"
        + name
        + "', but floe.trigger.launch.secrets."
        + name
        + " is not set";
  }
}
