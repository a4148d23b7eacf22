package dev.doorward.hub.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore that cannot be trusted changes nothing: a wrong passphrase, a tampered or truncated archive, a
 * target in use. One real backup of a real hub is made once; each test restores (or fails to restore) it.
 */
class RestoreRefusalsTest {
    @TempDir
    static Path shared;

    static Path archive;

    @TempDir
    Path dir;

    @BeforeAll
    static void backUpAHub() throws IOException {
        try (TestHub hub = TestHub.start(shared)) {
            Household.firstOwner(hub);
            BackupCommand.Outcome backup =
                    BackupCommand.run("backup", "--data-dir", hub.dataDir(), "--out", shared.resolve("hub.dwbackup"));
            assertThat(backup.exitCode()).as(backup.err()).isZero();
        }
        archive = shared.resolve("hub.dwbackup");
    }

    @Test
    void aWrongPassphraseIsRefusedAndNothingIsWritten() throws IOException {
        Path target = dir.resolve("hub");
        BackupCommand.Outcome restore = BackupCommand.runWith(
                Map.of(Passphrases.ENVIRONMENT, "not the passphrase at all"),
                "restore",
                "--from",
                archive,
                "--data-dir",
                target);
        assertThat(restore.exitCode()).isEqualTo(1);
        assertThat(restore.err()).isEqualTo("Restore refused: wrong passphrase (or the archive's header is damaged)\n");
        assertThat(restore.err() + restore.out()).doesNotContain("not the passphrase");
        assertThat(entries(dir)).isEmpty();
    }

    @Test
    void aTamperedArchiveIsRefusedAndNothingIsWritten() throws IOException {
        byte[] bytes = Files.readAllBytes(archive);
        for (int position : new int[] {100, bytes.length / 2, bytes.length - 3}) {
            byte[] tampered = bytes.clone();
            tampered[position] ^= 0x20;
            Path file = dir.resolve("tampered.dwbackup");
            Files.write(file, tampered);
            BackupCommand.Outcome restore =
                    BackupCommand.run("restore", "--from", file, "--data-dir", dir.resolve("hub"));
            assertThat(restore.exitCode()).as("flipped byte at %d", position).isEqualTo(1);
            assertThat(restore.err())
                    .isEqualTo("Restore refused: the archive is damaged, cut off or was tampered with\n");
            assertThat(entries(dir)).containsExactly(file);
        }
    }

    @Test
    void aTruncatedArchiveIsRefusedAndNothingIsWritten() throws IOException {
        byte[] bytes = Files.readAllBytes(archive);
        Path file = dir.resolve("cut.dwbackup");
        // Cut at a chunk boundary (the header and the first 64 KiB chunk with its tag) and inside a chunk.
        for (int length : new int[] {72 + 65536 + 16, bytes.length - 1000}) {
            Files.write(file, Arrays.copyOf(bytes, Math.min(length, bytes.length - 1)));
            BackupCommand.Outcome restore =
                    BackupCommand.run("restore", "--from", file, "--data-dir", dir.resolve("hub"));
            assertThat(restore.exitCode()).isEqualTo(1);
            assertThat(restore.err()).startsWith("Restore refused: the archive is");
            assertThat(entries(dir)).containsExactly(file);
        }
    }

    @Test
    void aNonEmptyTargetIsRefusedUnlessForcedAndThenKeptAside() throws IOException {
        Path target = dir.resolve("hub");
        Files.createDirectories(target);
        Files.writeString(target.resolve("precious.txt"), "keep me");

        BackupCommand.Outcome refused = BackupCommand.run("restore", "--from", archive, "--data-dir", target);
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("is not empty").contains("--force");
        assertThat(entries(dir)).containsExactly(target);

        BackupCommand.Outcome forced = BackupCommand.run("restore", "--from", archive, "--data-dir", target, "--force");
        assertThat(forced.exitCode()).as(forced.err()).isZero();
        assertThat(target.resolve("pki/hub-ca")).isDirectory();
        assertThat(target.resolve("precious.txt")).doesNotExist();
        List<Path> aside = entries(dir).stream()
                .filter(p -> p.getFileName().toString().startsWith("hub.before-restore-"))
                .toList();
        assertThat(aside).hasSize(1);
        assertThat(aside.getFirst().resolve("precious.txt")).hasContent("keep me");
        assertThat(forced.out()).contains("What was there before is kept in " + aside.getFirst());
    }

    @Test
    void theRestoredDataIsOwnerOnlyAndHoldsNoDatabaseCluster() throws IOException {
        Path target = dir.resolve("hub");
        assertThat(BackupCommand.run("restore", "--from", archive, "--data-dir", target)
                        .exitCode())
                .isZero();
        assertThat(target.resolve(BackupArchive.DATABASE_CLUSTER_DIR)).doesNotExist();
        assertThat(target.resolve("restore/manifest.json")).isRegularFile();
        try (Stream<Path> all = Files.walk(target)) {
            for (Path p : all.toList()) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                assertThat(mode).as(p.toString()).isIn("rw-------", "rwx------");
            }
        }
    }

    @Test
    void thePassphraseIsNeverTakenFromTheCommandLine() {
        BackupCommand.Outcome outcome = BackupCommand.run(
                "restore", "--from", archive, "--data-dir", dir.resolve("hub"), "--passphrase=hunter2hunter2");
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.err()).contains("never given on the command line").doesNotContain("hunter2");
        assertThat(dir.resolve("hub")).doesNotExist();
    }

    @Test
    void aPassphraseFileOthersCanReadIsRefusedAnOwnerOnlyOneIsUsed() throws IOException {
        Path file = dir.resolve("passphrase");
        Files.writeString(file, BackupCommand.PASSPHRASE + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        BackupCommand.Outcome refused = BackupCommand.runWith(
                Map.of(), "restore", "--from", archive, "--data-dir", dir.resolve("hub"), "--passphrase-file", file);
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("accessible to other users").contains("chmod 600");

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        BackupCommand.Outcome restored = BackupCommand.runWith(
                Map.of(), "restore", "--from", archive, "--data-dir", dir.resolve("hub"), "--passphrase-file", file);
        assertThat(restored.exitCode()).as(restored.err()).isZero();
    }

    @Test
    void withoutAPassphraseSourceTheCommandSaysWhereToPutOne() {
        BackupCommand.Outcome outcome =
                BackupCommand.runWith(Map.of(), "restore", "--from", archive, "--data-dir", dir.resolve("hub"));
        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.err()).contains("--passphrase-file").contains(Passphrases.ENVIRONMENT);
    }

    @Test
    void aBackupOfAStoppedHubSaysTheHubMustRun() {
        BackupCommand.Outcome outcome =
                BackupCommand.run("backup", "--data-dir", shared.resolve("hub"), "--out", dir.resolve("x.dwbackup"));
        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.err()).contains("a backup is taken while the hub runs");
        assertThat(dir.resolve("x.dwbackup")).doesNotExist();
    }

    @Test
    void aBackupNeverOverwritesAFile() throws IOException {
        byte[] before = Files.readAllBytes(archive);
        BackupCommand.Outcome outcome =
                BackupCommand.run("backup", "--data-dir", shared.resolve("hub"), "--out", archive);
        assertThat(outcome.exitCode()).isEqualTo(1);
        assertThat(outcome.err()).contains("already exists");
        assertThat(Files.readAllBytes(archive)).isEqualTo(before);
    }

    private static List<Path> entries(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.toList();
        }
    }
}
