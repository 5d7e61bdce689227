package dev.floe.listener.publish;

import dev.floe.contracts.event.ListenerCheckpoint;
import dev.floe.listener.lineage.PollResult;
import dev.floe.listener.watch.Watch;

/**
 * Reads what a watched table committed since its checkpoint. Called on the pool of catalog calls,
 * concurrently for different tables; never throws: a failure is a failed {@link PollResult}.
 */
@FunctionalInterface
public interface TablePoller {
  PollResult poll(Watch watch, ListenerCheckpoint checkpoint);
}
