package dev.floe.contracts.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * An enum written on the wire as its constant's name in lower case with hyphens: {@code ROW_DELETE}
 * is {@code row-delete}. Constants are never renamed, so their wire names are stable.
 */
public interface WireNamed {
  /** The constant's name, as {@link Enum#name()} answers it. */
  String name();

  @JsonValue
  default String wireName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * The constant of {@code type} written {@code wireName}.
   *
   * @param what names the enum in the error, e.g. {@code change kind}
   * @throws IllegalArgumentException naming the known values when there is none
   */
  static <E extends Enum<E> & WireNamed> E fromWireName(
      Class<E> type, String what, String wireName) {
    E[] constants = type.getEnumConstants();
    for (E constant : constants) {
      if (constant.wireName().equals(wireName)) {
        return constant;
      }
    }
    throw new IllegalArgumentException(
        "unknown "
            + what
            + " '"
            + wireName
            + "'; known: "
            + Arrays.stream(constants).map(WireNamed::wireName).collect(Collectors.joining(", ")));
  }
}
