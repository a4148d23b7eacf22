package dev.doorward.hub.shared;

/** A request the user can correct; the message is shown to them. Mapped to 400. */
public final class InvalidInput extends RuntimeException {
    public InvalidInput(String message) {
        super(message, null, false, false);
    }
}
