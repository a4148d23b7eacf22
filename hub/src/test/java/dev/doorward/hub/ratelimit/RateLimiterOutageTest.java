package dev.doorward.hub.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.hub.config.HubProperties;
import dev.doorward.protocol.testing.MutableClock;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.jdbc.core.simple.JdbcClient;

/** A cluster node whose database is unreachable still limits, with its own buckets, and never throws into a route. */
class RateLimiterOutageTest {
    @TempDir
    Path dir;

    @Test
    void sharedLimitsFallBackToTheNodesOwnBucketsWhileTheDatabaseIsUnreachable() {
        HubProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
                        "doorward.data-dir", dir.toString(),
                        "doorward.manufacturer-ca-certificate",
                                dir.resolve("ca.crt").toString(),
                        "doorward.cluster.nats-urls", "nats://127.0.0.1:1",
                        "doorward.cluster.node-name", "node-a",
                        "doorward.cluster.join-secret-file",
                                dir.resolve("join-secret").toString())))
                .bind("doorward", HubProperties.class)
                .get();
        // A real PostgreSQL client pointed where nothing listens: every statement fails to connect.
        PGSimpleDataSource nowhere = new PGSimpleDataSource();
        nowhere.setServerNames(new String[] {"127.0.0.1"});
        nowhere.setPortNumbers(new int[] {1});
        nowhere.setConnectTimeout(1);
        RateLimiter limiter = new RateLimiter(MutableClock.startingNow(), properties, JdbcClient.create(nowhere), null);

        RateLimit limit = RateLimit.LOGIN_PER_ADDRESS_AND_ACCOUNT;
        for (int i = 0; i < limit.capacity(); i++) {
            assertThat(limiter.tryAcquire(limit, "127.0.0.1|owner").allowed()).isTrue();
        }
        RateLimiter.Decision refused = limiter.tryAcquire(limit, "127.0.0.1|owner");
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterSeconds()).isPositive();

        limiter.refund(limit, "127.0.0.1|owner");
        assertThat(limiter.tryAcquire(limit, "127.0.0.1|owner").allowed()).isTrue();
        limiter.reset(limit, "127.0.0.1|owner");
        assertThat(limiter.tryAcquire(limit, "127.0.0.1|owner").allowed()).isTrue();
    }
}
