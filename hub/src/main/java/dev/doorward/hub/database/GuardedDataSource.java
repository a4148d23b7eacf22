package dev.doorward.hub.database;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * The hub's connection pool behind a gate: while the watchdog knows the database is down, asking for a connection
 * fails at once instead of waiting out the pool's timeout. A web request gets its 503 straight away, and a
 * doorbell's next message is not held up behind a database call that cannot succeed.
 */
final class GuardedDataSource extends DelegatingDataSource implements AutoCloseable {
    private final HikariDataSource pool;
    private final DatabaseHealth health;

    GuardedDataSource(HikariDataSource pool, DatabaseHealth health) {
        super(pool);
        this.pool = pool;
        this.health = health;
    }

    HikariDataSource pool() {
        return pool;
    }

    @Override
    public Connection getConnection() throws SQLException {
        refuseWhileDown();
        return super.getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        refuseWhileDown();
        return super.getConnection(username, password);
    }

    private void refuseWhileDown() throws SQLTransientConnectionException {
        if (!health.isUp()) {
            throw new SQLTransientConnectionException("The database is unavailable", "08006");
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
