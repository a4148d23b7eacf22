package dev.doorward.device.hardware.onvif;

/** The doorbell's ONVIF service failed or answered something unusable; the message is safe to log. */
final class OnvifException extends RuntimeException {
    enum Kind {
        /** No answer: connection refused, timeout, reset. */
        UNREACHABLE,
        /** The doorbell refused the credentials (or the time: a UsernameToken is only valid near its time). */
        NOT_AUTHORIZED,
        /** A SOAP fault, e.g. an operation this service does not have. */
        FAULT,
        /** Not XML, a DTD, too large, or missing what the operation returns. */
        BAD_ANSWER
    }

    private final Kind kind;

    OnvifException(String message) {
        this(message, Kind.BAD_ANSWER);
    }

    OnvifException(String message, Kind kind) {
        super(message);
        this.kind = kind;
    }

    Kind kind() {
        return kind;
    }
}
