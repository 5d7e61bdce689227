package dev.floe.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An RFC 9457 problem-details document, served as {@code application/problem+json}.
 *
 * @param type a URI naming the kind of problem; {@code about:blank} when the status says it all
 * @param title a short summary of the kind of problem
 * @param status the HTTP status
 * @param detail what went wrong with this request, in words an operator can act on
 * @param instance the request path
 * @param errors one entry per offending field of the request; empty when no field is at fault
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(
    String type,
    String title,
    int status,
    String detail,
    String instance,
    List<FieldError> errors) {

  public static final String MEDIA_TYPE = "application/problem+json";
  public static final String TYPE_BASE = "https://floe.dev/problems/";

  public Problem {
    errors = errors == null ? List.of() : List.copyOf(errors);
  }

  /** One field of the request and what is wrong with it. */
  public record FieldError(String field, String message) {}
}
