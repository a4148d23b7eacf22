package dev.doorward.crypto.cluster;

import dev.doorward.crypto.pki.SecretBox;
import dev.doorward.crypto.sframe.Hkdf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;

/**
 * The secret every node of a cluster of hubs is given in a file (the same file on every node): a node without it
 * cannot open the hub keys the cluster shares. Each use gets its own key, derived with HKDF-SHA256 under a distinct
 * {@code info}, so a key for one use never opens another's data. The secret never appears in {@link #toString()}
 * nor in an error message.
 */
public final class JoinSecret {
    /** At least 256 bits of whatever the operator put there (e.g. {@code openssl rand -base64 48}). */
    public static final int MIN_BYTES = 32;

    private static final byte[] SALT = "doorward-cluster-join-secret-v1".getBytes(StandardCharsets.US_ASCII);
    private static final int KEY_BYTES = 32;

    private final byte[] prk;

    private JoinSecret(byte[] secret) {
        this.prk = Hkdf.extract("HmacSHA256", 32, SALT, secret);
    }

    /**
     * Reads the join secret file: readable by its owner only (mode 0600 or stricter), at least {@link #MIN_BYTES}
     * bytes once surrounding white space is gone. Anything else is refused with what to fix.
     */
    public static JoinSecret read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("The join secret file " + file + " does not exist or is not a file");
        }
        try {
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
                for (PosixFilePermission p : permissions) {
                    if (p.name().startsWith("GROUP_") || p.name().startsWith("OTHERS_")) {
                        throw new IllegalStateException(
                                "The join secret file " + file + " must be readable by its owner only (chmod 600)");
                    }
                }
            }
            byte[] raw = Files.readAllBytes(file);
            byte[] secret = strip(raw);
            Arrays.fill(raw, (byte) 0);
            try {
                if (secret.length < MIN_BYTES) {
                    throw new IllegalStateException("The join secret in " + file + " is too short: it needs at least "
                            + MIN_BYTES + " bytes (e.g. openssl rand -base64 48)");
                }
                return new JoinSecret(secret);
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the join secret file " + file + ": " + e.getMessage());
        }
    }

    /** The secret itself (at least {@link #MIN_BYTES} bytes), e.g. for tests; nodes {@link #read} their file. */
    public static JoinSecret of(byte[] secret) {
        if (secret.length < MIN_BYTES) {
            throw new IllegalArgumentException("A join secret needs at least " + MIN_BYTES + " bytes");
        }
        return new JoinSecret(secret);
    }

    /** A box sealing with AES-256-GCM under the key for {@code info}; its {@code purpose} is the associated data. */
    public SecretBox box(String info, SecureRandom random) {
        byte[] key = derive(info);
        try {
            return SecretBox.withKey(key, random);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** The 256-bit key for {@code info} (one distinct info per use, e.g. {@code "hub-keys"}). */
    public byte[] derive(String info) {
        if (info == null || info.isBlank()) {
            throw new IllegalArgumentException("A derived key needs an info naming its use");
        }
        return Hkdf.expand("HmacSHA256", 32, prk, ("doorward/" + info).getBytes(StandardCharsets.UTF_8), KEY_BYTES);
    }

    private static byte[] strip(byte[] raw) {
        int from = 0;
        int to = raw.length;
        while (from < to && Character.isWhitespace(raw[from])) {
            from++;
        }
        while (to > from && Character.isWhitespace(raw[to - 1])) {
            to--;
        }
        return Arrays.copyOfRange(raw, from, to);
    }

    @Override
    public String toString() {
        return "JoinSecret[REDACTED]";
    }
}
