package dev.doorward.hub.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

/**
 * Restores a backup into a data directory. Everything is extracted into a new directory beside the target and
 * moved into place only once the whole archive has been read and verified, so a wrong passphrase, a damaged
 * archive or a full disk leave the target as it was. The database rows wait under {@code restore/} and are
 * loaded by the hub's first start ({@link PendingRestore}) into its new, empty database.
 */
final class Restore {
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** What a restore did; {@code setAside} lists the directories that were in the way (with --force). */
    record Result(BackupArchive.Extracted extracted, Path dataDir, Path blobDir, List<Path> setAside) {}

    private Restore() {}

    /**
     * @param blobDir where the blobs go when the hub keeps them outside its data dir ({@code doorward.blob-dir}),
     *     or null for inside it
     * @param force set aside (never delete) a non-empty target instead of refusing
     */
    static Result run(InputStream archive, char[] passphrase, Path dataDir, Path blobDir, boolean force, Clock clock)
            throws IOException {
        Path data = dataDir.toAbsolutePath().normalize();
        Path blobs = blobDir == null ? null : blobDir.toAbsolutePath().normalize();
        refuseWhileAHubRuns(data);
        for (Path target : blobs == null ? List.of(data) : List.of(data, blobs)) {
            if (!force && !Directories.isEmptyOrMissing(target)) {
                throw new BackupRefused(target + " is not empty; restore into a new directory, or add --force to"
                        + " move what is there aside (it is kept, renamed)");
            }
        }
        Files.createDirectories(data.getParent());
        Path stagingData = staging(data);
        Path stagingBlobs = blobs == null ? null : staging(blobs);
        try {
            BackupArchive.Extracted extracted = BackupArchive.extract(archive, passphrase, stagingData, stagingBlobs);
            String stamp = STAMP.format(clock.instant());
            List<Path> setAside = new java.util.ArrayList<>();
            moveIntoPlace(stagingData, data, stamp).ifPresent(setAside::add);
            if (blobs != null) {
                moveIntoPlace(stagingBlobs, blobs, stamp).ifPresent(setAside::add);
            }
            return new Result(extracted, data, blobs, List.copyOf(setAside));
        } finally {
            Directories.deleteTree(stagingData);
            if (stagingBlobs != null) {
                Directories.deleteTree(stagingBlobs);
            }
        }
    }

    private static Path staging(Path target) throws IOException {
        Files.createDirectories(target.getParent());
        return Files.createTempDirectory(
                target.getParent(),
                "." + target.getFileName() + ".restoring-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /** Moves the staged directory over the target; a non-empty target is renamed aside first, never deleted. */
    private static Optional<Path> moveIntoPlace(Path staged, Path target, String stamp) throws IOException {
        Optional<Path> aside = Optional.empty();
        if (Files.exists(target)) {
            if (Directories.isEmptyOrMissing(target)) {
                Files.delete(target);
            } else {
                Path moved = target.resolveSibling(target.getFileName() + ".before-restore-" + stamp);
                Files.move(target, moved, StandardCopyOption.ATOMIC_MOVE);
                aside = Optional.of(moved);
            }
        }
        Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
        Directories.sync(target.getParent());
        return aside;
    }

    /** A hub (its embedded PostgreSQL) still running in the target would be cut from under its feet. */
    private static void refuseWhileAHubRuns(Path data) throws IOException {
        Path pidFile = data.resolve(BackupArchive.DATABASE_CLUSTER_DIR).resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile);
        try {
            long pid = Long.parseLong(lines.getFirst().strip());
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                throw new BackupRefused("a hub's database is running in " + data + " (process " + pid
                        + "); stop the hub before restoring into its data directory");
            }
        } catch (NumberFormatException | java.util.NoSuchElementException e) {
            // an unreadable pid file is a leftover, not a running server
        }
    }
}
