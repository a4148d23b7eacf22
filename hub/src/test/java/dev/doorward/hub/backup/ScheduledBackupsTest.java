package dev.doorward.hub.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code doorward.backup.*}: backups the hub writes by itself, pruned to the newest few. */
class ScheduledBackupsTest {
    @TempDir
    Path dir;

    @Test
    void theHubWritesBackupsKeepsTheNewestAndEachOneRestores() throws Exception {
        Path backups = dir.resolve("backups");
        Path passphraseFile = passphraseFile("rw-------");
        try (TestHub hub = TestHub.start(dir, settings(backups, passphraseFile, "2"))) {
            Household.firstOwner(hub);
            Files.createDirectories(backups);
            Path unrelated = Files.writeString(backups.resolve("notes.txt"), "not a backup");
            ScheduledBackups scheduled = hub.bean(ScheduledBackups.class);
            Path first = scheduled.backUpNow().archive();
            Thread.sleep(5);
            Path second = scheduled.backUpNow().archive();
            Thread.sleep(5);
            Path third = scheduled.backUpNow().archive();

            assertThat(Backups.list(backups)).containsExactly(second, third);
            assertThat(first).doesNotExist();
            assertThat(unrelated).hasContent("not a backup");
            assertThat(scheduled.firstDelay()).isGreaterThan(java.time.Duration.ofHours(23));

            // A dump never merges into a database that has data: the running hub's own is refused, unchanged.
            DataSource dataSource = hub.bean(DataSource.class);
            try (Connection connection = dataSource.getConnection()) {
                int accounts = countAccounts(connection);
                BackupArchive.Manifest manifest = restoreInto(third, dir.resolve("restored"), passphraseFile);
                Path restored = dir.resolve("restored");
                assertThatThrownBy(() -> DatabaseDump.load(
                                connection,
                                new DatabaseDump.Schema(manifest.schemaVersion(), manifest.tables()),
                                BackupArchive.readPendingSequences(restored),
                                table -> Files.newInputStream(BackupArchive.pendingTable(restored, table))))
                        .isInstanceOf(BackupRefused.class)
                        .hasMessageContaining("not empty");
                assertThat(countAccounts(connection)).isEqualTo(accounts);
            }
        }
    }

    @Test
    void aPassphraseFileOthersCanReadStopsTheHubFromStarting() {
        Path passphraseFile = passphraseFile("rw-r--r--");
        assertThatThrownBy(() -> TestHub.start(dir, settings(dir.resolve("backups"), passphraseFile, "7")))
                .hasStackTraceContaining("accessible to other users");
    }

    private static Map<String, String> settings(Path backups, Path passphraseFile, String keep) {
        return Map.of(
                "doorward.backup.directory",
                backups.toString(),
                "doorward.backup.passphrase-file",
                passphraseFile.toString(),
                "doorward.backup.interval",
                "1d",
                "doorward.backup.keep",
                keep);
    }

    private Path passphraseFile(String mode) {
        try {
            Path file = dir.resolve("backup-passphrase");
            Files.writeString(file, BackupCommand.PASSPHRASE + "\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static BackupArchive.Manifest restoreInto(Path archive, Path target, Path passphraseFile) throws Exception {
        BackupCommand.Outcome outcome = BackupCommand.runWith(
                Map.of(), "restore", "--from", archive, "--data-dir", target, "--passphrase-file", passphraseFile);
        assertThat(outcome.exitCode()).as(outcome.err()).isZero();
        return BackupArchive.readPendingManifest(target);
    }

    private static int countAccounts(Connection connection) throws Exception {
        try (var statement = connection.createStatement();
                var rs = statement.executeQuery("select count(*) from accounts")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
