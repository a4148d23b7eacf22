package dev.doorward.hub.blob;

import dev.doorward.crypto.RandomIds;

/**
 * The name of a blob: 128 random bits as 22 base64url characters ({@link RandomIds}). Anything else is refused
 * when the id is made, so an id can never name a path outside the blob store.
 */
public record BlobId(String value) {
    public BlobId {
        if (!RandomIds.isWellFormedId(value)) {
            throw new IllegalArgumentException("not a blob id");
        }
    }

    public static BlobId random() {
        return new BlobId(RandomIds.newId());
    }

    /** Parses an id from outside (a request, a database row). */
    public static BlobId of(String value) {
        return new BlobId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
