package dev.doorward.hub.cluster;

import dev.doorward.hub.shared.Leases;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Conditional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Leases in PostgreSQL ({@code cluster_leases}): a node takes or renews one every {@link #RENEW_EVERY} with a
 * conditional update (it is free, expired, or already this node's), valid for {@link #LASTS} in the database's clock.
 *
 * <p>A lease rather than an advisory lock: a session lock lives as long as PostgreSQL thinks the connection does, so a
 * node cut off from the database cannot know when another node got the lock, and a node whose connection PostgreSQL
 * has not yet dropped keeps it. With a lease both sides know the time: the holder stops on its own once it has not
 * renewed for {@link #STOP_AFTER} (less than {@link #LASTS}, measured from before its last successful renewal was
 * sent), and another node can take it only after {@link #LASTS} — so two nodes never hold it at once, even while the
 * renewal hangs (a second thread watches the time).
 */
@Component
@Conditional(Clustered.class)
class ClusterLeases implements Leases, SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(ClusterLeases.class);
    static final Duration RENEW_EVERY = Duration.ofSeconds(3);
    static final Duration LASTS = Duration.ofSeconds(12);
    static final Duration STOP_AFTER = Duration.ofSeconds(9);

    private final JdbcClient jdbc;
    private final String node;
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor timer;
    private volatile boolean running;

    ClusterLeases(JdbcClient jdbc, ClusterBus bus) {
        this.jdbc = jdbc;
        this.node = bus.nodeName();
        // Two threads: the watch still runs while a renewal hangs on a database that does not answer.
        this.timer = new ScheduledThreadPoolExecutor(2, runnable -> {
            Thread thread = new Thread(runnable, "cluster-leases");
            thread.setDaemon(true);
            return thread;
        });
    }

    private final class Lease {
        final String name;
        final Holder holder;
        boolean held;
        long heldUntilNanos;
        boolean failing;

        Lease(String name, Holder holder) {
            this.name = name;
            this.holder = holder;
        }

        void renew() {
            long sent = System.nanoTime();
            boolean ours;
            try {
                ours = jdbc.sql("""
                                insert into cluster_leases (name, node_name, expires_at)
                                values (:name, :node, now() + make_interval(secs => :lasts))
                                on conflict (name) do update set node_name = excluded.node_name,
                                    expires_at = excluded.expires_at
                                where cluster_leases.node_name = excluded.node_name
                                   or cluster_leases.expires_at < now()""")
                                .param("name", name)
                                .param("node", node)
                                .param("lasts", LASTS.toSeconds())
                                .update()
                        == 1;
                failing = false;
            } catch (RuntimeException e) {
                if (!failing) {
                    log.warn("Could not renew the {} lease: {}", name, e.getMessage());
                }
                failing = true;
                return; // the watch ends it in time
            }
            synchronized (this) {
                if (ours) {
                    heldUntilNanos = sent + STOP_AFTER.toNanos();
                    if (!held) {
                        held = true;
                        log.info("Node {} holds the {} lease", node, name);
                        holder.taken();
                    } else {
                        holder.renewed();
                    }
                } else if (held) {
                    held = false;
                    log.warn("Node {} lost the {} lease to another node", node, name);
                    holder.lost();
                }
            }
        }

        synchronized void watch() {
            if (held && System.nanoTime() - heldUntilNanos > 0) {
                held = false;
                log.warn("Node {} stops its {} duty: the lease was not renewed in time", node, name);
                holder.lost();
            }
        }

        void release() {
            synchronized (this) {
                if (!held) {
                    return;
                }
                held = false;
                holder.lost();
            }
            try {
                // Another node need not wait for it to expire.
                jdbc.sql("delete from cluster_leases where name = :name and node_name = :node")
                        .param("name", name)
                        .param("node", node)
                        .update();
            } catch (RuntimeException e) {
                log.debug("Could not release the {} lease: {}", name, e.getMessage());
            }
        }
    }

    @Override
    public void follow(String name, Holder holder) {
        Lease lease = new Lease(name, holder);
        if (leases.putIfAbsent(name, lease) != null) {
            throw new IllegalStateException("the " + name + " lease is followed already");
        }
        timer.scheduleWithFixedDelay(lease::renew, 0, RENEW_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(lease::watch, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public String node() {
        return node;
    }

    @Override
    public void start() {
        running = true;
    }

    /** Stopped after the channels that follow leases (a lower phase): they close their links, then the lease goes. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 1;
    }

    @Override
    public void stop() {
        running = false;
        timer.shutdownNow();
        leases.values().forEach(Lease::release);
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
