package dev.doorward.hub.ratelimit;

import java.time.Duration;

/**
 * The one catalogue of rate limits. Each is a token bucket: {@code capacity} requests at once, refilled
 * evenly over {@code period}. Endpoints name the limit they use.
 *
 * <p>In a cluster, the limits on guesses at secrets (passwords, setup links, one-time codes, claims, door nonces)
 * are one budget across the nodes, kept in PostgreSQL; the others (a link's messages, a member's fetches) are each
 * node's own, in memory, and stay off the database on paths that must be fast. A single hub keeps all in memory.
 */
public enum RateLimit {
    /**
     * Wrong passwords for one account from one address: the guesser is slowed to one try every 3 minutes, while
     * the account's owner elsewhere is not.
     */
    LOGIN_PER_ADDRESS_AND_ACCOUNT(5, Duration.ofMinutes(15), Scope.CLUSTER_WIDE),
    /** Wrong passwords from one address, whichever accounts they name (one try every 30 s once used up). */
    LOGIN_PER_ADDRESS(30, Duration.ofMinutes(15), Scope.CLUSTER_WIDE),
    /**
     * Wrong passwords for one account from anywhere: the ceiling for guessers on many addresses. Higher than the
     * pair's, and once used up it slows (one try every 36 s) rather than blocks; a sign-in from one of the
     * account's approved browsers does not count against it at all (account.SignInLimits).
     */
    LOGIN_PER_ACCOUNT(50, Duration.ofMinutes(30), Scope.CLUSTER_WIDE),
    /**
     * The password asked again of a signed-in account before something it cannot undo (releasing a doorbell,
     * deleting the account): its own allowance, so sign-in guessers cannot use it up nor it theirs.
     */
    STEP_UP_PER_ACCOUNT(5, Duration.ofMinutes(15), Scope.CLUSTER_WIDE),
    /** First-run setup link guesses. */
    SETUP_PER_ADDRESS(10, Duration.ofMinutes(10), Scope.CLUSTER_WIDE),
    /**
     * One-time links and codes tried from one address: invitation sign-ups, re-entry links, the owner's recovery
     * code. Each is a guess at a secret, like a password, so it is held to a sign-in's pace.
     */
    ONE_TIME_SECRETS_PER_ADDRESS(10, Duration.ofMinutes(15), Scope.CLUSTER_WIDE),
    /**
     * Passkey sign-in steps from one address (options and assertions): each options request stores a challenge
     * in a new session, so a stranger is paced, though an assertion itself cannot be guessed.
     */
    PASSKEY_SIGN_IN_PER_ADDRESS(30, Duration.ofMinutes(5), Scope.CLUSTER_WIDE),
    /** Account creation where open sign-up is on. */
    SIGNUP_PER_ADDRESS(5, Duration.ofHours(1), Scope.CLUSTER_WIDE),
    /** Claim QR codes one account may ask for: each one is a setup-code guess. */
    CLAIM_TICKETS_PER_ACCOUNT(10, Duration.ofHours(1), Scope.CLUSTER_WIDE),
    /** Control messages from one device connection, other than deliveries (below). */
    DEVICE_MESSAGES(60, Duration.ofSeconds(10), Scope.PER_NODE),
    /**
     * Deliveries from one doorbell: events and event media uploads. A doorbell sends them paced by the hub's
     * acknowledgements, and after an outage its whole outbox (1 000 events, their pictures) at once: the burst
     * holds that drain, the refill a busy door; a doorbell past it is told how long to wait.
     */
    DEVICE_DELIVERIES(3_000, Duration.ofMinutes(10), Scope.PER_NODE),
    /**
     * Rings and motion one doorbell may have announced the moment they arrive (on the network thread that read
     * them, or ahead of its queued deliveries); past it they still ring, in their turn, within the deliveries'
     * allowance. Per node: it is on the ring's path and must never wait for the database.
     */
    DEVICE_ARRIVALS(20, Duration.ofMinutes(1), Scope.PER_NODE),
    /** Snapshot, clip and media key fetches (and deletions) by one account: a timeline page is dozens. */
    MEDIA_FETCHES(300, Duration.ofMinutes(1), Scope.PER_NODE),
    /** Door nonces and releases one account may ask for. */
    DOOR_REQUESTS(20, Duration.ofMinutes(1), Scope.CLUSTER_WIDE),
    /** Live views one account may open. */
    LIVE_VIEWS(30, Duration.ofMinutes(1), Scope.PER_NODE),
    /** Safety check listings and revokes by one account. */
    SAFETY_CHECK(60, Duration.ofMinutes(1), Scope.PER_NODE),
    /** Device connection attempts per certificate subject. */
    DEVICE_CONNECTS(10, Duration.ofMinutes(1), Scope.PER_NODE),
    /** Web Push subscription changes by one account: each one resolves the push service's host name. */
    PUSH_SUBSCRIPTIONS(30, Duration.ofMinutes(1), Scope.PER_NODE);

    private final int capacity;
    private final Duration period;
    private final Scope scope;

    RateLimit(int capacity, Duration period, Scope scope) {
        this.capacity = capacity;
        this.period = period;
        this.scope = scope;
    }

    /** Where a limit's budget is kept when the hub is a node of a cluster. */
    public enum Scope {
        /** One budget across the nodes, in PostgreSQL. */
        CLUSTER_WIDE,
        /** Each node's own, in memory. */
        PER_NODE
    }

    public boolean clusterWide() {
        return scope == Scope.CLUSTER_WIDE;
    }

    public int capacity() {
        return capacity;
    }

    public Duration period() {
        return period;
    }
}
