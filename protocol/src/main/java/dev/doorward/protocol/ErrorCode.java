package dev.doorward.protocol;

/** Why a link message was refused. Sent back to the peer in an {@link LinkMessage.LinkError}. */
public enum ErrorCode {
    /** Not JSON, not an object, or a required field missing or of the wrong type. */
    MALFORMED,
    /** The message or one of its fields is larger than the protocol allows. */
    TOO_LARGE,
    /** A message type this version does not know. */
    UNKNOWN_TYPE,
    /** An envelope version the receiver does not speak. */
    UNSUPPORTED_VERSION,
    /** A field is present but its value is not acceptable (format, range). */
    INVALID_FIELD,
    /** A message that is valid but not allowed in this direction, state or connection. */
    NOT_ALLOWED,
    /** The sender sends faster than the receiver allows. */
    RATE_LIMITED,
    /** The receiver failed; the sender may retry later. */
    INTERNAL;

    /** The lower-case name used on the wire. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    public static ErrorCode fromWire(String name) {
        for (ErrorCode code : values()) {
            if (code.wireName().equals(name)) {
                return code;
            }
        }
        return INTERNAL;
    }
}
