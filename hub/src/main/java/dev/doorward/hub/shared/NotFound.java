package dev.doorward.hub.shared;

/**
 * The one answer for "does not exist" and "not yours": both give the same 404 so nobody learns which ids
 * exist.
 */
public final class NotFound extends RuntimeException {
    public NotFound() {
        super("Not found", null, false, false);
    }
}
