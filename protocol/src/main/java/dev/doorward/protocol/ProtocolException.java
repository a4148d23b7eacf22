package dev.doorward.protocol;

/**
 * A link message that cannot be accepted. Expected at the boundary, so it carries no stack trace; the
 * message is safe to send back to the peer and to log (it never echoes field values).
 */
public final class ProtocolException extends Exception {
    private final ErrorCode code;

    public ProtocolException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
