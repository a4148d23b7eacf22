package dev.doorward.device.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Crash-safe file writes: a reader sees either the old or the new content, never a torn file, even after a
 * power cut (temp file, fsync, rename, fsync of the directory).
 */
public final class AtomicFiles {
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    /** Prefix of temp files, so a directory scan can skip (and clean) leftovers of an interrupted write. */
    public static final String TEMP_PREFIX = ".tmp-";

    private AtomicFiles() {}

    public static void write(Path target, byte[] content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = dir.resolve(TEMP_PREFIX + target.getFileName() + "-" + System.nanoTime());
        try {
            try (FileChannel channel =
                    FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ownerOnly(temp);
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            syncDirectory(dir);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Removes a file and makes the removal durable. */
    public static void delete(Path target) throws IOException {
        if (Files.deleteIfExists(target)) {
            syncDirectory(target.toAbsolutePath().getParent());
        }
    }

    /** Creates a directory only its owner can enter (where the file system knows POSIX permissions). */
    public static Path ownerOnlyDirectory(Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("not a directory: " + dir, e);
        }
        if (isPosix(dir)) {
            Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR);
        }
        return dir;
    }

    /** Restricts a file to its owner (private keys). */
    public static void ownerOnly(Path file) throws IOException {
        if (isPosix(file)) {
            Files.setPosixFilePermissions(file, OWNER_ONLY_FILE);
        }
    }

    private static boolean isPosix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static void syncDirectory(Path dir) {
        // Makes the rename itself durable. Not every platform can open a directory; there the rename is
        // as durable as the platform allows.
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // best effort, see above
        }
    }
}
