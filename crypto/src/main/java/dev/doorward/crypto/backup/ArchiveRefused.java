package dev.doorward.crypto.backup;

import java.io.IOException;

/**
 * A sealed archive that cannot be opened, with the reason an operator can act on. Nothing read from such an
 * archive may be used. Messages never contain the passphrase or key material.
 */
public final class ArchiveRefused extends IOException {
    /** Why the archive was refused. */
    public enum Reason {
        NOT_AN_ARCHIVE("this is not a Doorward backup archive"),
        UNSUPPORTED("this backup archive was written by a newer or unknown version"),
        WRONG_PASSPHRASE("wrong passphrase (or the archive's header is damaged)"),
        DAMAGED("the archive is damaged, cut off or was tampered with"),
        TRUNCATED("the archive is incomplete (truncated, or the backup that wrote it did not finish)");

        private final String message;

        Reason(String message) {
            this.message = message;
        }
    }

    private final Reason reason;

    ArchiveRefused(Reason reason) {
        super(reason.message);
        this.reason = reason;
    }

    ArchiveRefused(Reason reason, String detail) {
        super(reason.message + ": " + detail);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
