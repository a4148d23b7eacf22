package dev.doorward.hub.ratelimit;

import dev.doorward.crypto.Hashes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A cluster's shared token buckets ({@code cluster_rate_buckets}): each take is one UPSERT that refills the bucket
 * for the time gone by and takes a token if one is there, so concurrent nodes never spend one token twice (the row
 * lock orders them) and a take costs one round trip. Times are the hub clock's milliseconds. A bucket is named by its
 * limit and a hash of its subject: the table lists no addresses or usernames, and a long name cannot bloat it.
 */
final class SharedBuckets {
    /** The bucket's level once refilled up to {@code :now}, at most its capacity. */
    private static final String REFILLED =
            "least(cast(:capacity as double precision), b.tokens + greatest(0, :now - b.updated_at) * :rate)";

    private static final String TAKE = """
            insert into cluster_rate_buckets as b (bucket, tokens, updated_at, allowed, full_at)
            values (:bucket, :capacity - 1, :now, true, :now + ceil(1 / :rate))
            on conflict (bucket) do update set
                tokens = case when %1$s >= 1 then %1$s - 1 else %1$s end,
                allowed = %1$s >= 1,
                updated_at = greatest(b.updated_at, :now),
                full_at = greatest(b.updated_at, :now)
                    + ceil((:capacity - case when %1$s >= 1 then %1$s - 1 else %1$s end) / :rate)
            returning tokens, allowed""".formatted(REFILLED);

    private static final String GIVE_BACK = """
            update cluster_rate_buckets as b set
                tokens = least(cast(:capacity as double precision), %1$s + 1),
                updated_at = greatest(b.updated_at, :now),
                full_at = greatest(b.updated_at, :now) + ceil((:capacity - least(:capacity, %1$s + 1)) / :rate)
            where bucket = :bucket""".formatted(REFILLED);

    private final JdbcClient jdbc;

    SharedBuckets(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    RateLimiter.Decision take(RateLimit limit, String subject, long now) {
        double rate = rate(limit);
        return jdbc.sql(TAKE)
                .param("bucket", bucket(limit, subject))
                .param("capacity", limit.capacity())
                .param("now", now)
                .param("rate", rate)
                .query((rs, n) -> {
                    double tokens = rs.getDouble(1);
                    if (rs.getBoolean(2)) {
                        return new RateLimiter.Decision(true, Duration.ZERO);
                    }
                    return new RateLimiter.Decision(false, Duration.ofMillis((long) Math.ceil((1 - tokens) / rate)));
                })
                .single();
    }

    void giveBack(RateLimit limit, String subject, long now) {
        jdbc.sql(GIVE_BACK)
                .param("bucket", bucket(limit, subject))
                .param("capacity", limit.capacity())
                .param("now", now)
                .param("rate", rate(limit))
                .update();
    }

    void forget(RateLimit limit, String subject) {
        jdbc.sql("delete from cluster_rate_buckets where bucket = :bucket")
                .param("bucket", bucket(limit, subject))
                .update();
    }

    /** Buckets that are full again are as good as none. */
    int forgetFull(long now) {
        return jdbc.sql("delete from cluster_rate_buckets where full_at <= :now")
                .param("now", now)
                .update();
    }

    private static String bucket(RateLimit limit, String subject) {
        return limit.name() + ':' + Hashes.sha256Base64Url(subject.getBytes(StandardCharsets.UTF_8));
    }

    private static double rate(RateLimit limit) {
        return (double) limit.capacity() / limit.period().toMillis();
    }
}
