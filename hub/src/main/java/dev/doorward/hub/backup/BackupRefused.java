package dev.doorward.hub.backup;

/** A backup or restore that cannot go ahead, with a message for the operator; nothing was changed. */
public class BackupRefused extends RuntimeException {
    public BackupRefused(String message) {
        super(message);
    }
}
