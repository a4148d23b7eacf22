package dev.doorward.hub.ratelimit;

import java.time.Duration;

/**
 * The one catalogue of rate limits. Each is a token bucket: {@code capacity} requests at once, refilled
 * evenly over {@code period}. Endpoints name the limit they use.
 */
public enum RateLimit {
    /** Password guesses against one account, wherever they come from. */
    LOGIN_PER_ACCOUNT(5, Duration.ofMinutes(5)),
    /** Password guesses from one address, against any account. */
    LOGIN_PER_ADDRESS(20, Duration.ofMinutes(5)),
    /** First-run setup link guesses. */
    SETUP_PER_ADDRESS(10, Duration.ofMinutes(10)),
    /** Account creation where open sign-up is on. */
    SIGNUP_PER_ADDRESS(5, Duration.ofHours(1)),
    /** Claim QR codes one account may ask for: each one is a setup-code guess. */
    CLAIM_TICKETS_PER_ACCOUNT(10, Duration.ofHours(1)),
    /** Control messages from one device connection. */
    DEVICE_MESSAGES(60, Duration.ofSeconds(10)),
    /** Snapshot, clip and media key fetches (and deletions) by one account: a timeline page is dozens. */
    MEDIA_FETCHES(300, Duration.ofMinutes(1)),
    /** Door nonces and releases one account may ask for. */
    DOOR_REQUESTS(20, Duration.ofMinutes(1)),
    /** Live views one account may open. */
    LIVE_VIEWS(30, Duration.ofMinutes(1)),
    /** Safety check listings and revokes by one account. */
    SAFETY_CHECK(60, Duration.ofMinutes(1)),
    /** Device connection attempts per certificate subject. */
    DEVICE_CONNECTS(10, Duration.ofMinutes(1)),
    /** Web Push subscription changes by one account: each one resolves the push service's host name. */
    PUSH_SUBSCRIPTIONS(30, Duration.ofMinutes(1));

    private final int capacity;
    private final Duration period;

    RateLimit(int capacity, Duration period) {
        this.capacity = capacity;
        this.period = period;
    }

    public int capacity() {
        return capacity;
    }

    public Duration period() {
        return period;
    }
}
