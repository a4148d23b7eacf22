package dev.doorward.hub.backup;

/** A restore that cannot go ahead, with a message for the operator; nothing was changed. */
public class RestoreRefused extends RuntimeException {
    public RestoreRefused(String message) {
        super(message);
    }
}
