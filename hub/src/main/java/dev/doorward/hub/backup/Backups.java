package dev.doorward.hub.backup;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/** Backups in a directory: how they are named, written and pruned (the command and the schedule share this). */
final class Backups {
    static final String SUFFIX = ".dwbackup";
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern NAME = Pattern.compile("doorward-backup-\\d{8}T\\d{9}Z" + Pattern.quote(SUFFIX));

    private Backups() {}

    /** A new backup in {@code directory}, named after the time to the millisecond (so names sort by age). */
    static BackupArchive.Summary createIn(
            Path directory,
            char[] passphrase,
            Connection database,
            Path dataDir,
            Path blobDir,
            Clock clock,
            SecureRandom random)
            throws IOException, SQLException {
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(
                    directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Path target = directory.resolve(name(clock.instant()));
        return BackupArchive.write(target, passphrase, database, dataDir, blobDir, clock, random);
    }

    static String name(Instant at) {
        return "doorward-backup-" + STAMP.format(at) + SUFFIX;
    }

    /** The backups in {@code directory}, oldest first. Other files are never touched. */
    static List<Path> list(Path directory) throws IOException {
        List<Path> backups = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return backups;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                if (NAME.matcher(entry.getFileName().toString()).matches() && Files.isRegularFile(entry)) {
                    backups.add(entry);
                }
            }
        }
        backups.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return backups;
    }

    /** Deletes all but the newest {@code keep} backups; returns how many went. */
    static int prune(Path directory, int keep) throws IOException {
        List<Path> backups = list(directory);
        int removed = 0;
        for (int i = 0; i < backups.size() - keep; i++) {
            Files.deleteIfExists(backups.get(i));
            removed++;
        }
        return removed;
    }
}
