package dev.doorward.hub.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.doorward.hub.config.HubProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.task.SimpleAsyncTaskSchedulerCustomizer;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * PostgreSQL is the one SQL dialect. Without {@code doorward.database.url} the hub runs its own PostgreSQL (see
 * {@link EmbeddedDatabase}) whose data lives under {@code <data>/postgres}, so the first run needs no set-up at all.
 */
@Configuration(proxyBeanMethods = false)
class DatabaseConfig {
    private static final Logger log = LoggerFactory.getLogger(DatabaseConfig.class);
    /** How long a request waits for a connection before it is told the database is unavailable. */
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(2);
    /** No statement of the hub's runs longer; one that does is stuck behind a lock or a failing disk. */
    static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(5);
    /** A server that stopped answering (frozen, its disk hung) is given up on after this. */
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(15);

    private static final String STATEMENT_TIMEOUT_OPTION = "-c statement_timeout=" + STATEMENT_TIMEOUT.toMillis();

    @Bean(destroyMethod = "close")
    DatabaseServer databaseServer(HubProperties properties, SecureRandom random, DatabaseHealth health) {
        if (!properties.database().embedded()) {
            return new DatabaseServer(null, health);
        }
        return new DatabaseServer(
                EmbeddedDatabase.start(
                        properties.dataDir().resolve("postgres"),
                        properties.database().binariesDirectory(properties),
                        random),
                health);
    }

    /** A scheduled task that needs the database during an outage costs a debug line, not a stack trace a run. */
    @Bean
    SimpleAsyncTaskSchedulerCustomizer quietDuringDatabaseOutages() {
        return scheduler -> scheduler.setErrorHandler(e -> {
            if (DatabaseHealth.isOutage(e)) {
                log.debug("A scheduled task did not run, the database is unavailable: {}", e.getMessage());
            } else {
                log.error("Unexpected error in a scheduled task", e);
            }
        });
    }

    @Bean
    DatabaseHealth databaseHealth() {
        return new DatabaseHealth();
    }

    @Bean(destroyMethod = "close")
    GuardedDataSource dataSource(HubProperties properties, DatabaseServer server, DatabaseHealth health)
            throws IOException {
        HikariConfig config = new HikariConfig();
        config.setPoolName("doorward");
        config.setMaximumPoolSize(16);
        // Fail fast while the database is down (503 at once, a doorbell's next message not held up for long).
        config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        config.setValidationTimeout(1_000);
        if (server.embedded() != null) {
            EmbeddedDatabase embedded = server.embedded();
            config.setDataSource(embeddedConnections(embedded));
            config.setUsername(EmbeddedDatabase.HUB_ROLE);
            config.setPassword(embedded.hubPassword());
        } else {
            HubProperties.Database db = properties.database();
            config.setJdbcUrl(db.url());
            externalConnectionProperties(db).forEach((k, v) -> config.addDataSourceProperty((String) k, v));
        }
        return new GuardedDataSource(new HikariDataSource(config), health);
    }

    @Bean
    DatabaseWatchdog databaseWatchdog(
            HubProperties properties,
            DatabaseServer server,
            GuardedDataSource dataSource,
            DatabaseHealth health,
            ApplicationEventPublisher events)
            throws IOException {
        Callable<Connection> probe;
        if (server.embedded() != null) {
            EmbeddedDatabase embedded = server.embedded();
            PGSimpleDataSource connections = embeddedConnections(embedded);
            String password = embedded.hubPassword();
            probe = () -> connections.getConnection(EmbeddedDatabase.HUB_ROLE, password);
        } else {
            String url = properties.database().url();
            Properties connection = externalConnectionProperties(properties.database());
            probe = () -> DriverManager.getConnection(url, connection);
        }
        return new DatabaseWatchdog(server.embedded(), dataSource, probe, health, events);
    }

    private static PGSimpleDataSource embeddedConnections(EmbeddedDatabase embedded) {
        EmbeddedDataSource connections = new EmbeddedDataSource(embedded);
        connections.setConnectTimeout((int) CONNECTION_TIMEOUT.toSeconds());
        // The whole sign-in, not just the TCP connect: a frozen server accepts connections and then says nothing.
        connections.setLoginTimeout((int) CONNECTION_TIMEOUT.toSeconds());
        connections.setSocketTimeout((int) SOCKET_TIMEOUT.toSeconds());
        connections.setTcpKeepAlive(true);
        connections.setOptions(STATEMENT_TIMEOUT_OPTION);
        return connections;
    }

    private static Properties externalConnectionProperties(HubProperties.Database db) throws IOException {
        Properties properties = new Properties();
        if (!db.username().isBlank()) {
            properties.setProperty("user", db.username());
        }
        if (db.passwordFile() != null) {
            properties.setProperty(
                    "password", Files.readString(db.passwordFile()).strip());
        }
        properties.setProperty("connectTimeout", Long.toString(CONNECTION_TIMEOUT.toSeconds()));
        properties.setProperty("loginTimeout", Long.toString(CONNECTION_TIMEOUT.toSeconds()));
        properties.setProperty("socketTimeout", Long.toString(SOCKET_TIMEOUT.toSeconds()));
        properties.setProperty("tcpKeepAlive", "true");
        properties.setProperty("options", STATEMENT_TIMEOUT_OPTION);
        return properties;
    }

    /** Holds the embedded server (if any) so it is stopped after everything that uses it. */
    record DatabaseServer(EmbeddedDatabase embedded, DatabaseHealth health) implements AutoCloseable {
        @Override
        public void close() {
            if (embedded != null) {
                embedded.close(health.isUp());
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
