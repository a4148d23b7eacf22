package dev.doorward.hub.database;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessResourceException;

/**
 * Whether the hub's database answers, as its {@link DatabaseWatchdog} last saw it, and the one place that says
 * whether an error means "the database is unavailable" (an outage: no stack trace, 503) rather than a bug.
 */
public final class DatabaseHealth {
    private volatile boolean up = true;

    public boolean isUp() {
        return up;
    }

    /** Records what the watchdog saw; true when that is news. */
    boolean changeTo(boolean nowUp) {
        boolean changed = up != nowUp;
        up = nowUp;
        return changed;
    }

    /** The error (or one of its causes) says the database could not be reached or did not answer in time. */
    public static boolean isOutage(Throwable error) {
        for (Throwable e = error; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (e instanceof DataAccessResourceFailureException
                    || e instanceof TransientDataAccessResourceException
                    || e instanceof RecoverableDataAccessException
                    || e instanceof QueryTimeoutException
                    || e instanceof SQLTransientConnectionException
                    || e instanceof SQLRecoverableException) {
                return true;
            }
            // Class 08: connection exception; 57: operator intervention (shutdown, statement timeout); 53: no space,
            // too many connections.
            if (e instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || state.startsWith("57") || state.startsWith("53")) {
                    return true;
                }
            }
        }
        return false;
    }
}
