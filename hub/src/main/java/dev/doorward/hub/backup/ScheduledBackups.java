package dev.doorward.hub.backup;

import dev.doorward.hub.chores.Chore;
import dev.doorward.hub.chores.ClusterChores;
import dev.doorward.hub.config.HubProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Scheduled backups ({@code doorward.backup.*}): every {@code interval} the hub writes an encrypted backup of
 * itself into {@code directory} and keeps the newest {@code keep}. The next one is due an interval after the
 * newest backup already there, so restarts neither skip nor pile up backups. A failed backup is logged as one
 * line and retried sooner. The passphrase file is read for each backup (so it can be changed) and checked at
 * start-up, so a bad setting stops the hub instead of failing silently at night.
 */
@Component
@ConditionalOnProperty("doorward.backup.directory")
class ScheduledBackups implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(ScheduledBackups.class);
    private static final Duration FIRST_DELAY = Duration.ofMinutes(1);
    private static final Duration RETRY = Duration.ofMinutes(15);

    private final HubProperties.Backup settings;
    private final Path dataDir;
    private final Path blobDir;
    private final DataSource dataSource;
    private final Clock clock;
    private final SecureRandom random;
    private final ClusterChores chores;
    private ScheduledExecutorService executor;

    ScheduledBackups(
            HubProperties properties, DataSource dataSource, Clock clock, SecureRandom random, ClusterChores chores) {
        this.chores = chores;
        this.settings = properties.backup();
        this.dataDir = properties.dataDir();
        this.blobDir = properties.blobDirectory();
        this.dataSource = dataSource;
        this.clock = clock;
        this.random = random;
        try {
            char[] check = Passphrases.fromFile(settings.passphraseFile());
            Passphrases.requireStrongEnough(check);
            Arrays.fill(check, '\0');
            Files.createDirectories(settings.directory());
        } catch (IOException e) {
            throw new UncheckedIOException("doorward.backup: " + e.getMessage(), e);
        } catch (BackupRefused e) {
            throw new IllegalStateException("doorward.backup.passphrase-file: " + e.getMessage());
        }
    }

    /** Writes one backup now and prunes old ones. */
    BackupArchive.Summary backUpNow() throws IOException, SQLException {
        char[] passphrase = Passphrases.fromFile(settings.passphraseFile());
        try (Connection connection = dataSource.getConnection()) {
            BackupArchive.Summary summary =
                    Backups.createIn(settings.directory(), passphrase, connection, dataDir, blobDir, clock, random);
            int pruned = Backups.prune(settings.directory(), settings.keep());
            log.info(
                    "Backup written: {} ({} bytes, {} files, {} blobs){}",
                    summary.archive().getFileName(),
                    summary.bytes(),
                    summary.files(),
                    summary.blobs(),
                    pruned > 0 ? "; removed " + pruned + " older backup(s)" : "");
            return summary;
        } finally {
            Arrays.fill(passphrase, '\0');
        }
    }

    private void runAndReschedule() {
        Duration next = settings.interval();
        try {
            // In a cluster, one node's backup per interval.
            chores.runOnce(Chore.SCHEDULED_BACKUP, settings.interval(), () -> {
                try {
                    backUpNow();
                } catch (IOException e) {
                    throw new UncheckedIOException(e.getMessage(), e);
                } catch (SQLException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            });
        } catch (RuntimeException e) {
            next = settings.interval().compareTo(RETRY) < 0 ? settings.interval() : RETRY;
            log.warn("Scheduled backup failed, next try in {}: {}", next, e.getMessage());
        }
        schedule(next);
    }

    private synchronized void schedule(Duration delay) {
        if (executor != null) {
            executor.schedule(this::runAndReschedule, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** An interval after the newest backup in the directory, but not in the first minute after start. */
    Duration firstDelay() throws IOException {
        List<Path> existing = Backups.list(settings.directory());
        if (existing.isEmpty()) {
            return FIRST_DELAY;
        }
        Instant newest = Files.getLastModifiedTime(existing.getLast()).toInstant();
        Duration untilDue = Duration.between(clock.instant(), newest.plus(settings.interval()));
        return untilDue.compareTo(FIRST_DELAY) < 0 ? FIRST_DELAY : untilDue;
    }

    @Override
    public synchronized void start() {
        executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("scheduled-backup").daemon(true).factory());
        Duration delay;
        try {
            delay = firstDelay();
        } catch (IOException e) {
            delay = FIRST_DELAY;
        }
        log.info(
                "Scheduled backups into {} every {}, keeping {}; next in {}",
                settings.directory(),
                settings.interval(),
                settings.keep(),
                delay);
        schedule(delay);
    }

    @Override
    public synchronized void stop() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return executor != null;
    }
}
