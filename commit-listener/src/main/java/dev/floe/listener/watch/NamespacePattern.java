package dev.floe.listener.watch;

import java.util.regex.Pattern;
import org.apache.iceberg.catalog.Namespace;

/**
 * A namespace glob: {@code *} matches one level, {@code **} any number of levels. {@code sales}
 * matches the namespace {@code sales}; {@code sales.*} its children; {@code **} every namespace.
 */
public record NamespacePattern(String glob, Pattern regex) {

  public static NamespacePattern of(String glob) {
    if (glob.isBlank()) {
      throw new IllegalArgumentException("a namespace pattern cannot be blank");
    }
    StringBuilder regex = new StringBuilder();
    String[] levels = glob.split("\\.", -1);
    for (int i = 0; i < levels.length; i++) {
      String level = levels[i];
      if (level.equals("**")) {
        regex.append(i == 0 ? "[^.]+(\\.[^.]+)*" : "(\\.[^.]+)*");
        continue;
      }
      if (level.isEmpty()) {
        throw new IllegalArgumentException("empty level in namespace pattern '" + glob + "'");
      }
      if (i > 0) {
        regex.append("\\.");
      }
      for (String part : level.split("\\*", -1)) {
        regex.append(Pattern.quote(part)).append("[^.]*");
      }
      regex.setLength(regex.length() - "[^.]*".length());
    }
    return new NamespacePattern(glob, Pattern.compile(regex.toString()));
  }

  public boolean matches(Namespace namespace) {
    return regex.matcher(String.join(".", namespace.levels())).matches();
  }

  /** Whether namespaces below {@code namespace} can match, so discovery must descend into it. */
  public boolean mayMatchBelow(Namespace namespace) {
    String[] levels = glob.split("\\.");
    if (glob.contains("**")) {
      return true;
    }
    return namespace.levels().length < levels.length;
  }
}
