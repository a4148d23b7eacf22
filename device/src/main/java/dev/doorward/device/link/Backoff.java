package dev.doorward.device.link;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Exponential back-off with full jitter: the n-th retry waits a uniformly random time between 0 and
 * min(cap, base·2^n). The randomness is the point: after a hub restart, ten thousand devices spread their
 * reconnects over the whole window instead of arriving in the same second. A connection that stayed up
 * long enough resets the sequence.
 */
public final class Backoff {
    public static final Duration DEFAULT_BASE = Duration.ofMillis(500);
    public static final Duration DEFAULT_CAP = Duration.ofSeconds(60);

    private final long baseMillis;
    private final long capMillis;
    private final RandomGenerator random;
    private int attempt;

    public Backoff(Duration base, Duration cap, RandomGenerator random) {
        this.baseMillis = base.toMillis();
        this.capMillis = cap.toMillis();
        this.random = Objects.requireNonNull(random, "random");
        if (baseMillis < 1 || capMillis < baseMillis) {
            throw new IllegalArgumentException("need 0 < base <= cap");
        }
    }

    public Backoff(RandomGenerator random) {
        this(DEFAULT_BASE, DEFAULT_CAP, random);
    }

    /** The delay before the next attempt; each call counts as one more attempt. */
    public synchronized Duration nextDelay() {
        long ceiling = ceiling(attempt);
        if (attempt < 62) {
            attempt++;
        }
        return Duration.ofMillis(random.nextLong(ceiling + 1));
    }

    /** The upper bound of the delay of retry number {@code n} (0-based). */
    public long ceiling(int n) {
        // Shift only as far as needed to pass the cap, so large attempt counts cannot overflow.
        long ceiling = baseMillis;
        for (int i = 0; i < n && ceiling < capMillis; i++) {
            ceiling *= 2;
        }
        return Math.min(capMillis, ceiling);
    }

    public synchronized int attempt() {
        return attempt;
    }

    /** The hub welcomed a connection: the next retry starts again from the base delay. */
    public synchronized void connected() {
        attempt = 0;
    }

    public synchronized void reset() {
        attempt = 0;
    }
}
