package dev.doorward.hub.chores;

/**
 * The scheduled jobs that are the whole cluster's, not one node's: in a cluster each run happens on one node. Jobs
 * about a node's own sockets, links and in-memory caches are not here; they run on every node.
 */
public enum Chore {
    /** Doorbells gone long enough get an "offline" entry in their history (event.Connectivity). */
    OFFLINE_SWEEP(1),
    /** Sessions past their lifetime end (account.AccountSessions). */
    EXPIRED_SESSIONS(2),
    /** Events past their retention go, with their media; orphaned blobs are swept (eventmedia.EventMediaStore). */
    MEDIA_RETENTION(3),
    /** Shared rate-limit buckets that have refilled are forgotten (ratelimit.RateLimiter). */
    SHARED_RATE_LIMITS(4),
    /** The scheduled encrypted backup (backup.ScheduledBackups). */
    SCHEDULED_BACKUP(5);

    /** The second number of its advisory lock: fixed, so nodes of different versions agree. */
    final int lockId;

    Chore(int lockId) {
        this.lockId = lockId;
    }
}
