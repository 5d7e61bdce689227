package dev.floe.trigger.decide;

import dev.floe.contracts.event.ChangeCaptured;
import dev.floe.contracts.event.TriggerDefined;
import dev.floe.contracts.model.FieldRange;
import dev.floe.contracts.model.RangeFilter;
import java.util.Comparator;
import java.util.List;

/**
 * Which captured changes of a matching input count for a trigger: the trigger's change kinds, its
 * stance on backfills, and its range filters. A change whose range of a filtered field is unknown
 * may hold anything, so it counts. Pure and stateless.
 */
final class ChangeFilter {
  private ChangeFilter() {}

  /** Whether a change of a matching input counts: its kind, its origin, its ranges. */
  static boolean counts(TriggerDefined trigger, ChangeCaptured change) {
    if (!trigger.changeKinds().contains(change.kind())) {
      return false;
    }
    if (change.backfill() != null
        && !change.backfill().propagate()
        && !trigger.propagateBackfills()) {
      return false;
    }
    for (RangeFilter filter : trigger.rangeFilters()) {
      if (!overlaps(filter, change.ranges())) {
        return false;
      }
    }
    return true;
  }

  /** A change with no known range of the field may hold anything, so it overlaps. */
  static boolean overlaps(RangeFilter filter, List<FieldRange> ranges) {
    FieldRange range =
        ranges.stream().filter(r -> r.field().equals(filter.field())).findFirst().orElse(null);
    if (range == null || range.min() == null || range.max() == null) {
      return true;
    }
    Comparator<String> order = FieldValues.order(range.type());
    if (order == null) {
      return true;
    }
    try {
      boolean belowFrom = filter.from() != null && order.compare(range.max(), filter.from()) < 0;
      boolean aboveTo = filter.to() != null && order.compare(range.min(), filter.to()) > 0;
      return !belowFrom && !aboveTo;
    } catch (RuntimeException unparsable) {
      return true;
    }
  }
}
