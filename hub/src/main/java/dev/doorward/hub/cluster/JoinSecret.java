package dev.doorward.hub.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * The secret every node of a cluster shares (doorward.cluster.join-secret-file): a node without it cannot log in to
 * NATS, and its messages would be dropped. The file must be the hub user's alone (mode 0600 or stricter) and hold at
 * least {@value #MIN_LENGTH} bytes; surrounding whitespace (a trailing newline) is not part of the secret.
 */
final class JoinSecret {
    static final int MIN_LENGTH = 32;
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    private JoinSecret() {}

    /** Reads the secret, or fails with what the operator must fix (never with the secret in the message). */
    static byte[] read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(
                    "doorward.cluster.join-secret-file " + file + " does not exist or is not a file");
        }
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            if (permissions.stream().anyMatch(OTHERS::contains)) {
                throw new IllegalStateException("doorward.cluster.join-secret-file " + file
                        + " may be read or changed by others: make it the hub user's alone (chmod 600)");
            }
            byte[] content = Files.readAllBytes(file);
            int start = 0;
            int end = content.length;
            while (start < end && Character.isWhitespace(content[start])) {
                start++;
            }
            while (end > start && Character.isWhitespace(content[end - 1])) {
                end--;
            }
            byte[] secret = Arrays.copyOfRange(content, start, end);
            Arrays.fill(content, (byte) 0);
            if (secret.length < MIN_LENGTH) {
                throw new IllegalStateException("doorward.cluster.join-secret-file " + file + " holds "
                        + secret.length + " bytes; a join secret needs at least " + MIN_LENGTH
                        + " (e.g. head -c 32 /dev/urandom | base64 > " + file.getFileName() + ")");
            }
            return secret;
        } catch (UnsupportedOperationException e) {
            throw new IllegalStateException(
                    "doorward.cluster.join-secret-file must be on a file system with POSIX permissions", e);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read doorward.cluster.join-secret-file " + file + ": " + e, e);
        }
    }
}
