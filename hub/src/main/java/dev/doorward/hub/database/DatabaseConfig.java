package dev.doorward.hub.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.doorward.hub.config.HubProperties;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * PostgreSQL is the one SQL dialect. Without {@code doorward.database.url} the hub starts an embedded
 * PostgreSQL whose data lives under {@code <data>/postgres}, so the first run needs no set-up at all.
 */
@Configuration(proxyBeanMethods = false)
class DatabaseConfig {
    private static final Logger log = LoggerFactory.getLogger(DatabaseConfig.class);

    @Bean(destroyMethod = "close")
    DatabaseServer databaseServer(HubProperties properties) {
        if (!properties.database().embedded()) {
            return new DatabaseServer(null);
        }
        Path dir = properties.dataDir().toAbsolutePath().resolve("postgres");
        try {
            Files.createDirectories(dir);
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(false)
                    // A loaded machine (CI) can take more than zonky's default 10 s to start PostgreSQL.
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
            log.info("Embedded PostgreSQL started on 127.0.0.1:{}", postgres.getPort());
            return new DatabaseServer(postgres);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the embedded PostgreSQL in " + dir, e);
        }
    }

    @Bean(destroyMethod = "close")
    HikariDataSource dataSource(HubProperties properties, DatabaseServer server) throws IOException {
        HikariConfig config = new HikariConfig();
        config.setPoolName("doorward");
        config.setMaximumPoolSize(16);
        if (server.embedded() != null) {
            config.setJdbcUrl(server.embedded().getJdbcUrl("postgres", "postgres"));
        } else {
            HubProperties.Database db = properties.database();
            config.setJdbcUrl(db.url());
            config.setUsername(db.username());
            if (db.passwordFile() != null) {
                config.setPassword(Files.readString(db.passwordFile()).strip());
            }
        }
        return new HikariDataSource(config);
    }

    /** Holds the embedded server (if any) so it is stopped after everything that uses it. */
    record DatabaseServer(EmbeddedPostgres embedded) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            if (embedded != null) {
                embedded.close();
            }
        }
    }
}
