package dev.doorward.hub.shared;

/** The request lost a race with another change; the user should reload and try again. Mapped to 409. */
public final class Conflict extends RuntimeException {
    public Conflict(String message) {
        super(message, null, false, false);
    }
}
