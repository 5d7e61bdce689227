package dev.floe.trigger.decide;

import java.time.Instant;

/**
 * Why a trigger forms no new run until an operator resumes it.
 *
 * @param reason {@value #CHANGE_LOST}: an input lost a change, and the trigger's {@code onLost} is
 *     {@code hold}
 * @param since when it began
 */
public record Hold(String reason, Instant since) {
  public static final String CHANGE_LOST = "change-lost";
}
