package dev.doorward.crypto.pki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

/** Crash-safe writes: a reader sees the old file or the new one, never a torn or world-readable key. */
final class SecureFiles {

    private static final String OWNER_ONLY = "rw-------";
    private static final String PUBLIC = "rw-r--r--";

    private SecureFiles() {}

    static void writeSecret(Path target, String content) {
        write(target, content, true);
    }

    static void writePublic(Path target, String content) {
        write(target, content, false);
    }

    static String read(Path file) {
        try {
            // Latin-1 never fails to decode, so stray bytes around PEM blocks reach the PEM parser.
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    private static void write(Path target, String content, boolean secret) {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        byte[] bytes = content.getBytes(StandardCharsets.US_ASCII);
        Path temp = null;
        try {
            Files.createDirectories(dir);
            // Permissions are set at creation, so the key is never readable by others, not even briefly.
            temp = isPosix(dir)
                    ? Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp", permissions(secret))
                    : Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp");
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = null;
            syncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + target, e);
        } finally {
            if (secret) {
                Arrays.fill(bytes, (byte) 0);
            }
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // The original failure is the one worth reporting.
                }
            }
        }
    }

    private static boolean isPosix(Path dir) {
        return dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static FileAttribute<?> permissions(boolean secret) {
        return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(secret ? OWNER_ONLY : PUBLIC));
    }

    /** Makes the rename itself durable; not every platform can open a directory, hence best effort. */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Best effort: the data itself was already forced to disk.
        }
    }
}
