package dev.floe.trigger.decide;

import dev.floe.contracts.model.LostChange;
import dev.floe.contracts.model.TableRef;

/**
 * A lost change ({@code ChangeLost}) of one of the trigger's inputs, waiting to be listed in the
 * next run.
 *
 * @param input the key of the input it feeds
 * @param captureId the capture that lost it
 * @param table the source table
 * @param change what the run's input lists
 */
public record PendingLost(String input, String captureId, TableRef table, LostChange change) {}
