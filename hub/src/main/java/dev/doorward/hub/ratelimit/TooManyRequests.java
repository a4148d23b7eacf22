package dev.doorward.hub.ratelimit;

/** Thrown by a route whose rate limit is used up; mapped to 429 with Retry-After. */
public final class TooManyRequests extends RuntimeException {
    private final long retryAfterSeconds;

    public TooManyRequests(long retryAfterSeconds) {
        super("Too many requests", null, false, false);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** Takes a token or throws. */
    public static void check(RateLimiter limiter, RateLimit limit, String subject) {
        RateLimiter.Decision decision = limiter.tryAcquire(limit, subject);
        if (!decision.allowed()) {
            throw new TooManyRequests(decision.retryAfterSeconds());
        }
    }
}
