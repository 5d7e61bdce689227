package dev.floe.deploy;

import dev.floe.contracts.topic.Topics;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Every topic the services create, with the partitions and cleanup policy they create it with: the
 * {@code topics()} of ListenerRuntime, CaptureRuntime, TriggerRuntime and BackfillRuntime.
 */
final class FloeTopics {
  /** Internal to the trigger-service ({@code floe.topics.changes-by-trigger}). */
  static final String CHANGES_BY_TRIGGER = "floe.trigger.changes-by-trigger";

  /** Internal to the backfill-service ({@code floe.topics.inbox}). */
  static final String BACKFILL_INBOX = "floe.backfill.inbox";

  /** Definition topics and consumption: few records, created with at most 3 partitions. */
  static final Set<String> DEFINITIONS =
      Set.of(Topics.WATCHES, Topics.CAPTURES, Topics.TRIGGERS, Topics.CONSUMPTION);

  record Expected(int partitions, String cleanupPolicy) {}

  private FloeTopics() {}

  /** Every topic constant of {@link Topics}: its public static final String fields, no prefix. */
  static Set<String> contractTopics() {
    Set<String> names = new java.util.TreeSet<>();
    for (Field field : Topics.class.getFields()) {
      int modifiers = field.getModifiers();
      if (field.getType() == String.class
          && Modifier.isStatic(modifiers)
          && Modifier.isFinal(modifiers)
          && !field.getName().endsWith("_PREFIX")) {
        try {
          names.add((String) field.get(null));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return names;
  }

  /**
   * Every topic with its expected shape when the services run with {@code floe.topics.partitions =
   * partitions}: stream topics and the co-partitioned checkpoints and hints get {@code partitions},
   * definition topics {@code min(partitions, 3)}, dead-letter topics 1.
   */
  static Map<String, Expected> expected(int partitions) {
    Map<String, Expected> expected = new LinkedHashMap<>();
    for (String topic : contractTopics()) {
      int count = DEFINITIONS.contains(topic) ? Math.min(partitions, 3) : partitions;
      expected.put(topic, new Expected(count, cleanup(topic)));
    }
    expected.put(CHANGES_BY_TRIGGER, new Expected(partitions, cleanup(CHANGES_BY_TRIGGER)));
    expected.put(BACKFILL_INBOX, new Expected(partitions, cleanup(BACKFILL_INBOX)));
    for (String service : DeployFiles.SERVICES) {
      expected.put(Topics.deadLetter(service), new Expected(1, "delete"));
    }
    return expected;
  }

  private static String cleanup(String topic) {
    return Topics.COMPACTED.contains(topic) ? "compact" : "delete";
  }
}
