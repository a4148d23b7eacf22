package dev.doorward.hub.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * Asks the database every second whether it answers, on a connection of its own (a pool busy with requests is not
 * an outage). On a change it logs one line, updates {@link DatabaseHealth} and publishes
 * {@link DatabaseHealthChanged}. When the embedded PostgreSQL's process is gone it starts it again; the pool then
 * reconnects by itself. Stopped first when the hub stops, so it never restarts a database the hub is stopping.
 */
final class DatabaseWatchdog implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(DatabaseWatchdog.class);
    static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Duration MAX_RESTART_BACKOFF = Duration.ofSeconds(30);

    private final EmbeddedDatabase embedded;
    private final GuardedDataSource dataSource;
    private final Callable<Connection> probeConnections;
    private final DatabaseHealth health;
    private final ApplicationEventPublisher events;
    private ScheduledExecutorService timer;
    private Connection probe;
    private int failedRestarts;
    private long nextRestartNanos;
    private String lastProblem = "";

    /**
     * @param embedded the hub's own server, or null for an external database (watched, never restarted)
     * @param probeConnections opens a connection outside the pool, with short timeouts
     */
    DatabaseWatchdog(
            EmbeddedDatabase embedded,
            GuardedDataSource dataSource,
            Callable<Connection> probeConnections,
            DatabaseHealth health,
            ApplicationEventPublisher events) {
        this.embedded = embedded;
        this.dataSource = dataSource;
        this.probeConnections = probeConnections;
        this.health = health;
        this.events = events;
    }

    @Override
    public synchronized void start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "database-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(
                this::checkSafely, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (timer != null) {
            timer.shutdownNow();
            try {
                timer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            timer = null;
        }
        closeProbe();
    }

    @Override
    public synchronized boolean isRunning() {
        return timer != null;
    }

    private void checkSafely() {
        try {
            check();
        } catch (RuntimeException e) {
            log.error("The database watchdog failed", e);
        }
    }

    /** One look at the database; package-private so a test can drive it without waiting. */
    synchronized void check() {
        boolean up = answers();
        record(up);
        if (!up && embedded != null && !embedded.serverAlive() && System.nanoTime() >= nextRestartNanos) {
            restartEmbedded();
        }
    }

    private void restartEmbedded() {
        log.warn("The embedded PostgreSQL has stopped; starting it again");
        try {
            embedded.restart();
            failedRestarts = 0;
            record(answers());
        } catch (RuntimeException e) {
            failedRestarts++;
            long backoff =
                    Math.min(MAX_RESTART_BACKOFF.toMillis(), INTERVAL.toMillis() << Math.min(failedRestarts, 10));
            nextRestartNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff);
            // One line per attempt, growing apart: the reason is in the message, the trace adds nothing.
            log.warn(
                    "Starting the embedded PostgreSQL again failed (attempt {}, next in {} s): {}",
                    failedRestarts,
                    backoff / 1000,
                    e.getMessage());
        }
    }

    private void record(boolean up) {
        if (!health.changeTo(up)) {
            return;
        }
        if (up) {
            log.info("The database is reachable again");
            // Connections from before the outage are dead: replace them rather than find out one request at a time.
            dataSource.pool().getHikariPoolMXBean().softEvictConnections();
        } else {
            log.warn(
                    "The database is unreachable ({}): requests that need it are refused until it is back",
                    lastProblem);
        }
        events.publishEvent(new DatabaseHealthChanged(up));
    }

    private boolean answers() {
        try {
            if (probe == null || !probe.isValid((int) INTERVAL.toSeconds())) {
                closeProbe();
                probe = probeConnections.call();
            }
            return true;
        } catch (Exception e) {
            closeProbe();
            lastProblem = e.getMessage();
            return false;
        }
    }

    private void closeProbe() {
        if (probe != null) {
            try {
                probe.close();
            } catch (SQLException ignored) {
                // It is being replaced because it no longer works.
            }
            probe = null;
        }
    }
}
