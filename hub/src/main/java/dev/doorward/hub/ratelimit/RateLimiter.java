package dev.doorward.hub.ratelimit;

import dev.doorward.hub.chores.Chore;
import dev.doorward.hub.chores.ClusterChores;
import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.database.DatabaseHealth;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Token buckets keyed by limit and subject (account, address, device). In memory on a single hub; on a node of a
 * cluster the {@link RateLimit#clusterWide() cluster-wide} limits are one budget in PostgreSQL ({@link
 * SharedBuckets}). While the database cannot be reached those fall back to this node's own buckets: a route that
 * works without the database keeps working, and its guessers are still held to a node's budget.
 */
@Component
public class RateLimiter {
    private static final Logger log = LoggerFactory.getLogger(RateLimiter.class);
    private static final long CLEANUP_MILLIS = 60_000;

    private final Clock clock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    /** Null on a single hub. */
    private final SharedBuckets shared;

    private final ClusterChores chores;

    /** A single hub's limiter, all in memory. */
    public RateLimiter(Clock clock) {
        this(clock, null, null);
    }

    @Autowired
    RateLimiter(Clock clock, HubProperties properties, JdbcClient jdbc, ClusterChores chores) {
        this(clock, properties.cluster().clustered() ? new SharedBuckets(jdbc) : null, chores);
    }

    private RateLimiter(Clock clock, SharedBuckets shared, ClusterChores chores) {
        this.clock = clock;
        this.shared = shared;
        this.chores = chores;
    }

    /** Takes one token; when none is left, says how long until one is. */
    public Decision tryAcquire(RateLimit limit, String subject) {
        long now = clock.millis();
        String key = key(limit, subject);
        if (isShared(limit)) {
            try {
                return shared.take(limit, subject, now);
            } catch (RuntimeException e) {
                databaseUnavailable(e);
            }
        }
        Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket(limit, now));
        return bucket.take(now);
    }

    /** Gives back a token taken by {@link #tryAcquire} for an attempt that turned out not to count. */
    public void refund(RateLimit limit, String subject) {
        String key = key(limit, subject);
        if (isShared(limit)) {
            try {
                shared.giveBack(limit, subject, clock.millis());
            } catch (RuntimeException e) {
                databaseUnavailable(e);
            }
        }
        Bucket bucket = buckets.get(key);
        if (bucket != null) {
            bucket.giveBack(clock.millis());
        }
    }

    /** Forgets a subject's use of a limit, e.g. after a successful login. */
    public void reset(RateLimit limit, String subject) {
        String key = key(limit, subject);
        if (isShared(limit)) {
            try {
                shared.forget(limit, subject);
            } catch (RuntimeException e) {
                databaseUnavailable(e);
            }
        }
        buckets.remove(key);
    }

    @Scheduled(fixedDelay = CLEANUP_MILLIS)
    void forgetFullBuckets() {
        long now = clock.millis();
        buckets.values().removeIf(b -> b.isFull(now));
        if (shared != null) {
            chores.runOnce(Chore.SHARED_RATE_LIMITS, Duration.ofMillis(CLEANUP_MILLIS), () -> shared.forgetFull(now));
        }
    }

    private boolean isShared(RateLimit limit) {
        return shared != null && limit.clusterWide();
    }

    private static String key(RateLimit limit, String subject) {
        return limit.name() + '|' + subject;
    }

    /** An outage falls back to this node's buckets; anything else is a fault to show, not to hide. */
    private static void databaseUnavailable(RuntimeException e) {
        if (!DatabaseHealth.isOutage(e)) {
            throw e;
        }
        // The database watchdog reports the outage; one line here per attempt would be noise.
        log.debug("Shared rate limit unavailable, this node's own bucket counts: {}", e.getMessage());
    }

    public record Decision(boolean allowed, Duration retryAfter) {
        public long retryAfterSeconds() {
            return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        }
    }

    private static final class Bucket {
        private final int capacity;
        private final double refillPerMilli;
        private double tokens;
        private long updatedAt;

        Bucket(RateLimit limit, long now) {
            this.capacity = limit.capacity();
            this.refillPerMilli = (double) limit.capacity() / limit.period().toMillis();
            this.tokens = capacity;
            this.updatedAt = now;
        }

        synchronized Decision take(long now) {
            refill(now);
            if (tokens >= 1) {
                tokens -= 1;
                return new Decision(true, Duration.ZERO);
            }
            long wait = (long) Math.ceil((1 - tokens) / refillPerMilli);
            return new Decision(false, Duration.ofMillis(wait));
        }

        synchronized void giveBack(long now) {
            refill(now);
            tokens = Math.min(capacity, tokens + 1);
        }

        synchronized boolean isFull(long now) {
            refill(now);
            return tokens >= capacity;
        }

        private void refill(long now) {
            if (now > updatedAt) {
                tokens = Math.min(capacity, tokens + (now - updatedAt) * refillPerMilli);
                updatedAt = now;
            }
        }
    }
}
