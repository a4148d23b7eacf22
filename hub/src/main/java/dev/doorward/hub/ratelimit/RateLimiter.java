package dev.doorward.hub.ratelimit;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * In-memory token buckets keyed by limit and subject (account, address, device). Single node only; the
 * multi-node hub will move this to the shared store.
 */
@Component
public class RateLimiter {
    private final Clock clock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RateLimiter(Clock clock) {
        this.clock = clock;
    }

    /** Takes one token; when none is left, says how long until one is. */
    public Decision tryAcquire(RateLimit limit, String subject) {
        long now = clock.millis();
        Bucket bucket = buckets.computeIfAbsent(limit.name() + '|' + subject, k -> new Bucket(limit, now));
        return bucket.take(now);
    }

    /** Gives back a token taken by {@link #tryAcquire} for an attempt that turned out not to count. */
    public void refund(RateLimit limit, String subject) {
        Bucket bucket = buckets.get(limit.name() + '|' + subject);
        if (bucket != null) {
            bucket.giveBack(clock.millis());
        }
    }

    /** Forgets a subject's use of a limit, e.g. after a successful login. */
    public void reset(RateLimit limit, String subject) {
        buckets.remove(limit.name() + '|' + subject);
    }

    @Scheduled(fixedDelay = 60_000)
    void forgetFullBuckets() {
        long now = clock.millis();
        buckets.values().removeIf(b -> b.isFull(now));
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
