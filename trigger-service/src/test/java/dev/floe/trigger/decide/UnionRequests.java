package dev.floe.trigger.decide;

import dev.floe.contracts.event.RunRequested;
import dev.floe.contracts.model.RunInput;
import dev.floe.contracts.model.TableRef;
import java.util.List;

/** The run request a decision makes over some changes of one capture, before its states. */
final class UnionRequests {
  private UnionRequests() {}

  static RunRequested of(String runId, TableRef source, List<PendingChange> changes) {
    return new RunRequested(
        runId,
        "daily",
        List.of(
            new RunInput(
                "cap",
                source,
                null,
                changes.stream().map(PendingChange::range).toList(),
                changes.stream().map(PendingChange::changeId).toList(),
                5,
                List.of(),
                false)),
        5,
        false,
        "changes",
        null,
        1);
  }
}
