package dev.doorward.crypto.backup;

/**
 * Argon2id cost parameters for turning a backup passphrase into the archive key. They are written into each
 * archive's header (with a random salt), so an archive opens with whatever parameters it was sealed with.
 *
 * @param memoryKiB memory per derivation in KiB
 * @param iterations passes over the memory
 * @param parallelism lanes
 */
public record ArchiveKdf(int memoryKiB, int iterations, int parallelism) {
    /** 64 MiB, 3 passes, 1 lane: about half a second here, and far above OWASP's minimum for a key that guards a CA. */
    public static final ArchiveKdf DEFAULT = new ArchiveKdf(64 * 1024, 3, 1);

    /**
     * The most a header may ask for: a forged header must not make the reader allocate gigabytes or spin for
     * minutes before the passphrase check can fail.
     */
    static final int MAX_MEMORY_KIB = 1024 * 1024;

    static final int MAX_ITERATIONS = 64;
    static final int MAX_PARALLELISM = 16;

    public ArchiveKdf {
        if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
            throw new IllegalArgumentException("Argon2id parallelism must be 1.." + MAX_PARALLELISM);
        }
        if (memoryKiB < 8 * parallelism || memoryKiB > MAX_MEMORY_KIB) {
            throw new IllegalArgumentException("Argon2id memory must be 8 KiB per lane .. 1 GiB");
        }
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("Argon2id iterations must be 1.." + MAX_ITERATIONS);
        }
    }
}
