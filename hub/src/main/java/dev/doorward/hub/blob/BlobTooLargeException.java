package dev.doorward.hub.blob;

import java.io.IOException;

/** A blob was longer than the caller allowed; nothing of it was kept. */
public final class BlobTooLargeException extends IOException {
    private final long limit;

    public BlobTooLargeException(long limit) {
        super("blob larger than " + limit + " bytes");
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}
