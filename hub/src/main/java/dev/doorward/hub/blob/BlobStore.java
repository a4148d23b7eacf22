package dev.doorward.hub.blob;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Where the hub keeps ciphertext (sealed snapshots and clips): opaque bytes under a random id. The metadata
 * (which household, which event) lives in the database; the hub never holds a key that opens a blob.
 *
 * <p>Guarantees every implementation keeps: once {@link #put} returns, the blob survives a crash or power cut;
 * a blob is visible under its id either completely or not at all, never partly written; once {@link #delete}
 * returns, the bytes are gone from the store.
 */
public interface BlobStore {

    /**
     * Stores the bytes of {@code data} (read to its end, not closed) under {@code id}, replacing a blob already
     * there atomically, so storing the same blob again (a device resending after a crash) is harmless.
     *
     * @throws BlobTooLargeException if {@code data} holds more than {@code maxBytes}; nothing is stored and a
     *     blob already under {@code id} is left as it was
     * @throws IOException if the bytes could not be stored durably; nothing is stored
     */
    void put(BlobId id, InputStream data, long maxBytes) throws IOException;

    /** {@link #put(BlobId, InputStream, long)} for bytes already in memory. */
    default void put(BlobId id, byte[] data) throws IOException {
        put(id, new ByteArrayInputStream(data), data.length);
    }

    /** The blob's bytes as a stream the caller closes, or empty if there is no such blob. */
    Optional<InputStream> open(BlobId id) throws IOException;

    /** The blob's bytes, or empty if there is no such blob. */
    default Optional<byte[]> read(BlobId id) throws IOException {
        Optional<InputStream> in = open(id);
        if (in.isEmpty()) {
            return Optional.empty();
        }
        try (InputStream stream = in.get()) {
            return Optional.of(stream.readAllBytes());
        }
    }

    /** The blob's length in bytes, or empty if there is no such blob. */
    OptionalLong size(BlobId id) throws IOException;

    default boolean exists(BlobId id) throws IOException {
        return size(id).isPresent();
    }

    /** Removes the blob durably. Returns whether there was one. */
    boolean delete(BlobId id) throws IOException;

    /**
     * Every blob in the store, for finding orphans: a blob stored by a hub that crashed before writing its
     * database row (compare with the database and delete those older than a few minutes that no row names).
     * The caller closes the stream. Blobs stored or deleted meanwhile may or may not appear.
     */
    Stream<StoredBlob> list() throws IOException;

    /**
     * @param id the blob's id
     * @param size its length in bytes
     * @param storedAt when it was stored (the file's modification time for the file system store)
     */
    record StoredBlob(BlobId id, long size, Instant storedAt) {}
}
