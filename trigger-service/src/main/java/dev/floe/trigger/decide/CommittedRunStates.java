package dev.floe.trigger.decide;

import dev.floe.contracts.model.IcdcRef;
import dev.floe.contracts.model.RunInput;
import dev.floe.contracts.model.TableRef;
import dev.floe.icdc.IcdcStates;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.apache.iceberg.Table;

/**
 * Finds the states a run already has in its capture's ICDC table, so that a run formed again (after
 * a crash, or a decision taken twice) reuses them. States count as the run's only when formed from
 * exactly the same change ids, in order, whose digest their tags' summaries record. Reads only.
 */
final class CommittedRunStates {
  private CommittedRunStates() {}

  /** The input with the run's states, when at least one was committed. */
  static Optional<RunInput> find(
      Table icdc, TableRef name, RunInput input, String added, String removed, String digest) {
    if (!matches(icdc, added, digest) && !matches(icdc, removed, digest)) {
      return Optional.empty();
    }
    Optional<IcdcRef> a = IcdcStates.find(icdc, name, added);
    Optional<IcdcRef> r = IcdcStates.find(icdc, name, removed);
    return Optional.of(input.withStates(a.orElse(null), r.orElse(null)));
  }

  /**
   * Whether {@code tag} holds states of exactly these changes: its summary names their digest, or,
   * committed before states recorded one, names none.
   */
  static boolean matches(Table icdc, String tag, String digest) {
    return IcdcStates.summary(icdc, tag)
        .map(summary -> digest.equals(summary.getOrDefault(IcdcUnions.CHANGES_DIGEST, digest)))
        .orElse(false);
  }

  /** A digest of the change ids, in order: what a run's states were formed from. */
  static String digest(List<PendingChange> changes) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (PendingChange change : changes) {
        sha.update(change.changeId().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
      }
      return HexFormat.of().formatHex(sha.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
