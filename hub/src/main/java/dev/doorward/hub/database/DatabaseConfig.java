package dev.doorward.hub.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.doorward.hub.config.HubProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * PostgreSQL is the one SQL dialect. Without {@code doorward.database.url} the hub runs its own PostgreSQL (see
 * {@link EmbeddedDatabase}) whose data lives under {@code <data>/postgres}, so the first run needs no set-up at all.
 */
@Configuration(proxyBeanMethods = false)
class DatabaseConfig {
    /** How long a request waits for a connection before it is told the database is unavailable. */
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(2);
    /** No statement of the hub's runs longer; one that does is stuck behind a lock or a failing disk. */
    static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(5);
    /** A server that stopped answering (frozen, its disk hung) is given up on after this. */
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(15);

    private static final String STATEMENT_TIMEOUT_OPTION = "-c statement_timeout=" + STATEMENT_TIMEOUT.toMillis();

    @Bean(destroyMethod = "close")
    DatabaseServer databaseServer(HubProperties properties, SecureRandom random) {
        if (!properties.database().embedded()) {
            return new DatabaseServer(null);
        }
        return new DatabaseServer(EmbeddedDatabase.start(
                properties.dataDir().resolve("postgres"), properties.database().binariesDirectory(properties), random));
    }

    @Bean(destroyMethod = "close")
    HikariDataSource dataSource(HubProperties properties, DatabaseServer server) throws IOException {
        HikariConfig config = new HikariConfig();
        config.setPoolName("doorward");
        config.setMaximumPoolSize(16);
        // Fail fast while the database is down (503 at once, a doorbell's next message not held up for long).
        config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        config.setValidationTimeout(1_000);
        if (server.embedded() != null) {
            EmbeddedDatabase embedded = server.embedded();
            EmbeddedDataSource connections = new EmbeddedDataSource(embedded);
            connections.setConnectTimeout((int) CONNECTION_TIMEOUT.toSeconds());
            connections.setSocketTimeout((int) SOCKET_TIMEOUT.toSeconds());
            connections.setTcpKeepAlive(true);
            connections.setOptions(STATEMENT_TIMEOUT_OPTION);
            config.setDataSource(connections);
            config.setUsername(EmbeddedDatabase.HUB_ROLE);
            config.setPassword(embedded.hubPassword());
        } else {
            HubProperties.Database db = properties.database();
            config.setJdbcUrl(db.url());
            config.addDataSourceProperty("connectTimeout", Long.toString(CONNECTION_TIMEOUT.toSeconds()));
            config.addDataSourceProperty("socketTimeout", Long.toString(SOCKET_TIMEOUT.toSeconds()));
            config.addDataSourceProperty("tcpKeepAlive", "true");
            config.addDataSourceProperty("options", STATEMENT_TIMEOUT_OPTION);
            config.setUsername(db.username());
            if (db.passwordFile() != null) {
                config.setPassword(Files.readString(db.passwordFile()).strip());
            }
        }
        return new HikariDataSource(config);
    }

    /** Holds the embedded server (if any) so it is stopped after everything that uses it. */
    record DatabaseServer(EmbeddedDatabase embedded) implements AutoCloseable {
        @Override
        public void close() {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    /** Connections to the embedded server wherever it listens now: a restart may have moved it to another port. */
    static final class EmbeddedDataSource extends PGSimpleDataSource {
        private final transient EmbeddedDatabase database;

        EmbeddedDataSource(EmbeddedDatabase database) {
            this.database = database;
            setServerNames(new String[] {"127.0.0.1"});
            setDatabaseName(EmbeddedDatabase.HUB_DATABASE);
        }

        @Override
        public synchronized Connection getConnection(String user, String password) throws SQLException {
            setPortNumbers(new int[] {database.port()});
            return super.getConnection(user, password);
        }
    }
}
