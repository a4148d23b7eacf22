package dev.doorward.hub.chores;

import dev.doorward.hub.config.HubProperties;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs a cluster-wide {@link Chore} on one node per run. Every node schedules it; the node that takes the chore's
 * advisory lock ({@code pg_try_advisory_xact_lock}) and finds no run of it in this period records its run and does
 * it, the others skip. The claim is its own short transaction: the job itself holds no lock and no connection of the
 * claim's, so a long job (a backup) does not pin the database. A single hub just runs the job.
 */
@Component
public class ClusterChores {
    /** The first number of every advisory lock the hub takes (the two-number form keeps clear of Flyway's). */
    public static final int CLUSTER_LOCKS = 0x446F6F72; // "Door"

    private final boolean clustered;
    private final String nodeName;
    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final Clock clock;

    ClusterChores(
            HubProperties properties, JdbcClient jdbc, PlatformTransactionManager transactionManager, Clock clock) {
        this.clustered = properties.cluster().clustered();
        this.nodeName = properties.cluster().nodeName();
        this.jdbc = jdbc;
        this.transactions = new TransactionTemplate(transactionManager);
        this.clock = clock;
    }

    /**
     * Runs {@code job} here unless another node holds the chore now or has run it in the last half {@code period}
     * (the job's schedule: nodes' runs drift, so half a period apart is "the same run"). True if it ran here.
     */
    public boolean runOnce(Chore chore, Duration period, Runnable job) {
        if (clustered && !claim(chore, period)) {
            return false;
        }
        job.run();
        return true;
    }

    private boolean claim(Chore chore, Duration period) {
        Instant now = clock.instant();
        Boolean claimed = transactions.execute(status -> {
            boolean locked = jdbc.sql("select pg_try_advisory_xact_lock(:locks, :chore)")
                    .param("locks", CLUSTER_LOCKS)
                    .param("chore", chore.lockId)
                    .query(Boolean.class)
                    .single();
            if (!locked) {
                return false;
            }
            // Inserted, or moved on only when the last run is older than half a period.
            return jdbc.sql("""
                                    insert into cluster_chores (chore, last_run_at, node) values (:chore, :now, :node)
                                    on conflict (chore) do update set last_run_at = excluded.last_run_at,
                                        node = excluded.node
                                    where cluster_chores.last_run_at <= :due""")
                            .param("chore", chore.name())
                            .param("now", Timestamp.from(now))
                            .param("node", nodeName)
                            .param("due", Timestamp.from(now.minus(period.dividedBy(2))))
                            .update()
                    == 1;
        });
        return Boolean.TRUE.equals(claimed);
    }
}
