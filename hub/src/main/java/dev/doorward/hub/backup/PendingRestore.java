package dev.doorward.hub.backup;

import dev.doorward.hub.config.HubProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A restored data directory carries the database rows under {@code restore/}. At start-up, before the usual
 * migration, the hub builds the schema with Flyway up to the backup's version, copies the rows in (one
 * transaction: all or nothing), removes {@code restore/}, and then migrates on to its own version — so a backup
 * from an older hub restores into a newer one. The database is whatever the hub is configured with: the new
 * embedded one, or an empty external PostgreSQL. A database that already has rows is refused and the hub does
 * not start, with the dump left in place.
 */
@Configuration(proxyBeanMethods = false)
class PendingRestore {
    private static final Logger log = LoggerFactory.getLogger(PendingRestore.class);

    @Bean
    FlywayMigrationStrategy restoreThenMigrate(HubProperties properties) {
        return flyway -> {
            loadIfPending(flyway, properties.dataDir());
            flyway.migrate();
        };
    }

    static void loadIfPending(Flyway flyway, Path dataDir) {
        Path pending = dataDir.resolve(BackupArchive.RESTORE_DIR);
        if (!Files.isRegularFile(pending.resolve("manifest.json"))) {
            return;
        }
        try {
            BackupArchive.Manifest manifest = BackupArchive.readPendingManifest(dataDir);
            Map<String, Long> sequences = BackupArchive.readPendingSequences(dataDir);
            Flyway.configure(flyway.getConfiguration().getClassLoader())
                    .configuration(flyway.getConfiguration())
                    .target(manifest.schemaVersion())
                    .load()
                    .migrate();
            long rows;
            try (Connection connection =
                    flyway.getConfiguration().getDataSource().getConnection()) {
                rows = DatabaseDump.load(
                        connection,
                        new DatabaseDump.Schema(manifest.schemaVersion(), manifest.tables()),
                        sequences,
                        table -> Files.newInputStream(BackupArchive.pendingTable(dataDir, table)));
            }
            Directories.deleteTree(pending);
            Directories.sync(dataDir);
            log.info(
                    "Restored the database from the backup made {}: {} rows in {} tables (schema version {})",
                    manifest.createdAt(),
                    rows,
                    manifest.tables().size(),
                    manifest.schemaVersion());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot load the restored database from " + pending, e);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "Cannot load the restored database from " + pending + ": " + e.getMessage(), e);
        }
    }
}
