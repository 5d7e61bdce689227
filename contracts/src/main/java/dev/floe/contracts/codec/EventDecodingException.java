package dev.floe.contracts.codec;

/**
 * An event could not be decoded. The {@link Reason} is a stable code for dead-letter headers and
 * metrics; the message names the offending field where there is one.
 */
public class EventDecodingException extends RuntimeException {

  /** Why decoding failed. Codes are stable: they appear in DLQ headers and metric tags. */
  public enum Reason {
    /** Longer than {@link EventCodec#MAX_EVENT_BYTES}: not read at all. */
    OVERSIZED("oversized"),
    /** Not a JSON object. */
    MALFORMED_JSON("malformed-json"),
    /** An envelope field is missing or of the wrong type. */
    INVALID_ENVELOPE("invalid-envelope"),
    /** The type is not known to this version of the contracts. */
    UNKNOWN_TYPE("unknown-type"),
    /** The type is known but this schema version is not. */
    UNSUPPORTED_VERSION("unsupported-version"),
    /** The payload is missing a required field or holds a value of the wrong type. */
    INVALID_PAYLOAD("invalid-payload"),
    /** A well-formed event of a type that does not belong on the topic it was read from. */
    UNEXPECTED_TYPE("unexpected-type");

    private final String code;

    Reason(String code) {
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  private final Reason reason;

  public EventDecodingException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public EventDecodingException(Reason reason, String message) {
    this(reason, message, null);
  }

  public Reason reason() {
    return reason;
  }
}
