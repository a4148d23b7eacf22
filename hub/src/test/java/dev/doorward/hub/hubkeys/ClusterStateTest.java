package dev.doorward.hub.hubkeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.pki.Certificates;
import dev.doorward.crypto.pki.Credential;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.identity.DeviceIdentity;
import dev.doorward.device.identity.DeviceLayout;
import dev.doorward.device.ownership.OwnershipStore;
import dev.doorward.hub.chores.Chore;
import dev.doorward.hub.chores.ClusterChores;
import dev.doorward.hub.event.Connectivity;
import dev.doorward.hub.pki.HubPki;
import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.secrets.AtRestSecrets;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.RawDeviceLink;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.testing.MutableClock;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes of a cluster on one PostgreSQL (what they share through it: hub keys, rate limits, chores; issue 17).
 * No NATS is needed for any of it: the NATS URL points nowhere.
 */
class ClusterStateTest {
    private static final String JOIN_SECRET = "Vb1iX8q0Zr3mK9sT2wY7uN4pL6cH5dF0aJeGgQ1oR8vS";

    @TempDir
    static Path dir;

    static EmbeddedPostgres postgres;
    static MutableClock clock = MutableClock.startingNow();
    static TestHub nodeA;
    static TestHub nodeB;
    static Household owner;
    /** What the single hub that became node A had in its data directory. */
    static String singleHubCaFingerprint;

    static String singleHubSealed;

    @BeforeAll
    static void startTwoNodes() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        // Node A was a single hub first: its doorbells trust its CA, so the cluster keeps it.
        Map<String, String> single = new HashMap<>(node("node-a", secretFile("a.secret", JOIN_SECRET), null));
        single.keySet().removeIf(key -> key.startsWith("doorward.cluster."));
        try (TestHub singleHub = TestHub.start(dir.resolve("a"), single, clock)) {
            singleHubCaFingerprint = singleHub.bean(HubPki.class).hubCaFingerprint();
            singleHubSealed = singleHub.bean(AtRestSecrets.class).seal("mqtt-password", "house-1", "from before");
        }
        nodeA = TestHub.start(dir.resolve("a"), node("node-a", secretFile("a.secret", JOIN_SECRET), null), clock);
        nodeB = TestHub.start(
                dir.resolve("b"),
                node("node-b", secretFile("b.secret", JOIN_SECRET), nodeA.manufacturerCaDir()),
                clock);
        // Node B started on a cluster without accounts yet: it left node A's setup link valid (a single hub makes a
        // new one at each start; a cluster node only when none is pending), so the link the operator got works.
        owner = Household.firstOwner(nodeA);
    }

    @AfterAll
    static void stop() throws Exception {
        if (nodeB != null) {
            nodeB.close();
        }
        if (nodeA != null) {
            nodeA.close();
        }
        postgres.close();
    }

    private static Map<String, String> node(String name, Path joinSecret, Path manufacturerCaDir) throws Exception {
        Path passwordFile = dir.resolve("db-password");
        Files.writeString(passwordFile, "postgres\n");
        Map<String, String> settings = new HashMap<>(Map.of(
                "doorward.database.url",
                postgres.getJdbcUrl("postgres", "postgres").replaceAll("\\?.*", ""),
                "doorward.database.username",
                "postgres",
                "doorward.database.password-file",
                passwordFile.toString(),
                "doorward.cluster.nats-urls",
                "nats://127.0.0.1:1",
                "doorward.cluster.node-name",
                name,
                "doorward.cluster.join-secret-file",
                joinSecret.toString()));
        if (manufacturerCaDir != null) {
            settings.put(
                    "doorward.manufacturer-ca-certificate",
                    manufacturerCaDir.resolve("ca.crt").toString());
        }
        return settings;
    }

    private static Path secretFile(String name, String secret) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, secret + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    @Test
    void theNodesShareOneCaOnePushKeyAndOneAtRestKeyKeptSealedInTheDatabase() throws Exception {
        HubPki pkiA = nodeA.bean(HubPki.class);
        HubPki pkiB = nodeB.bean(HubPki.class);
        assertThat(pkiA.hubCaFingerprint()).isEqualTo(singleHubCaFingerprint);
        assertThat(pkiB.hubCaFingerprint()).isEqualTo(pkiA.hubCaFingerprint());
        // Each node's own TLS certificate, issued by the shared CA.
        assertThat(pkiB.serverCredential().certificate())
                .isNotEqualTo(pkiA.serverCredential().certificate());
        assertThat(Certificates.isIssuedBy(
                        pkiB.serverCredential().certificate(), pkiA.hubCa().certificate()))
                .isTrue();

        BrowserClient ownerOnB = nodeB.browser();
        assertThat(ownerOnB.login("owner", Household.PASSWORD).status()).isEqualTo(204);
        String vapidA =
                owner.browser().get("/api/push/key").json().get("publicKey").stringValue();
        assertThat(ownerOnB.get("/api/push/key").json().get("publicKey").stringValue())
                .isEqualTo(vapidA);

        String sealed = nodeA.bean(AtRestSecrets.class).seal("mqtt-password", owner.householdId(), "hunter2");
        assertThat(nodeB.bean(AtRestSecrets.class).open("mqtt-password", owner.householdId(), sealed))
                .isEqualTo("hunter2");
        // What the single hub sealed before it became node A opens on node B.
        assertThat(nodeB.bean(AtRestSecrets.class).open("mqtt-password", "house-1", singleHubSealed))
                .isEqualTo("from before");

        // Node B keeps none of them in its data directory (only the CA's public certificate, for whoever must trust
        // it); the database holds only sealed text.
        Path caDirB = nodeB.dataDir().resolve("pki").resolve("hub-ca");
        assertThat(caDirB.resolve("ca.key")).doesNotExist();
        assertThat(java.nio.file.Files.readString(caDirB.resolve("ca.crt")))
                .isEqualTo(dev.doorward.crypto.pki.Pem.certificate(pkiA.hubCa().certificate()));
        assertThat(nodeB.dataDir().resolve("push").resolve("vapid-key.pem")).doesNotExist();
        assertThat(nodeB.dataDir().resolve("integration-secrets.key")).doesNotExist();
        try (Connection db = postgres.getPostgresDatabase().getConnection();
                ResultSet rows = db.createStatement().executeQuery("select name, sealed from cluster_hub_keys")) {
            int count = 0;
            while (rows.next()) {
                count++;
                assertThat(rows.getString(2)).startsWith("v1.").doesNotContain("PRIVATE KEY");
            }
            assertThat(count).isEqualTo(HubKeyKind.values().length);
        }
    }

    @Test
    void aDoorbellClaimedOnOneNodeIsAcceptedOnTheOther() throws Exception {
        MintedDevice minted = nodeA.mintDevice("front-door");
        DeviceAgent agent = owner.claim(nodeA, minted);
        agent.close();

        DeviceIdentity identity = DeviceIdentity.load(minted.deviceDir());
        Credential operational = new OwnershipStore(new DeviceLayout(minted.deviceDir()).protectedDir())
                .load()
                .operationalCredential(identity.credential().privateKey());
        // The doorbell trusts the CA it was claimed with (node A's), and node B's certificate chains to it.
        try (RawDeviceLink link = RawDeviceLink.connect(
                URI.create("wss://localhost:" + nodeB.devicePort() + "/link"), operational, nodeA.hubCaCertificate())) {
            assertThat(link.exchange(LinkCodec.encode(
                            new LinkMessage.Hello(List.of(1), "doorward-device/0.1.0", LinkMessage.Mode.NORMAL))))
                    .contains("\"type\":\"welcome\"");
        }
    }

    @Test
    void aNodeWithAnotherJoinSecretRefusesToStart() throws Exception {
        String other = "another-secret-of-enough-length-0123456789abcdef";
        Map<String, String> settings = node("node-c", secretFile("c.secret", other), nodeA.manufacturerCaDir());
        assertThatThrownBy(() -> TestHub.start(dir.resolve("c"), settings))
                .rootCause()
                .hasMessageContaining("join secret (doorward.cluster.join-secret-file) does not open the cluster's")
                .hasMessageNotContaining(other)
                .hasMessageNotContaining(JOIN_SECRET);
    }

    @Test
    void failedSignInsSpreadOverTwoNodesMeetOneLimit() throws Exception {
        // The same guesser (one address, one account): five wrong passwords in all, whichever node they reach.
        List<BrowserClient> guesser = List.of(nodeA.browser(), nodeB.browser());
        for (int i = 0; i < 5; i++) {
            assertThat(guesser.get(i % 2).login("owner", "wrong password " + i).status())
                    .isEqualTo(401);
        }
        for (BrowserClient browser : guesser) {
            BrowserClient.Response refused = browser.login("owner", Household.PASSWORD);
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.header("Retry-After")).isPresent();
        }

        // The shared buckets name no address and no username.
        try (Connection db = postgres.getPostgresDatabase().getConnection();
                ResultSet rows = db.createStatement().executeQuery("select bucket from cluster_rate_buckets")) {
            int count = 0;
            while (rows.next()) {
                count++;
                assertThat(rows.getString(1)).doesNotContain("owner").doesNotContain("127.0.0.1");
            }
            assertThat(count).isPositive();
        }

        clock.advance(Duration.ofMinutes(15));
        assertThat(nodeB.browser().login("owner", Household.PASSWORD).status()).isEqualTo(204);
        assertThat(nodeA.browser().login("owner", Household.PASSWORD).status()).isEqualTo(204);
    }

    @Test
    void concurrentTakesOnBothNodesNeverSpendATokenTwice() throws Exception {
        RateLimit limit = RateLimit.SIGNUP_PER_ADDRESS;
        List<RateLimiter> limiters = List.of(nodeA.bean(RateLimiter.class), nodeB.bean(RateLimiter.class));
        AtomicInteger allowed = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            RateLimiter limiter = limiters.get(t % 2);
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 5; i++) {
                    if (limiter.tryAcquire(limit, "203.0.113.7").allowed()) {
                        allowed.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(allowed).hasValue(limit.capacity());

        // A token given back on one node is there for the other.
        limiters.get(0).refund(limit, "203.0.113.7");
        assertThat(limiters.get(1).tryAcquire(limit, "203.0.113.7").allowed()).isTrue();
        assertThat(limiters.get(0).tryAcquire(limit, "203.0.113.7").allowed()).isFalse();
    }

    @Test
    void aClusterChoreRunsOnOneNodePerRun() throws Exception {
        ClusterChores choresA = nodeA.bean(ClusterChores.class);
        ClusterChores choresB = nodeB.bean(ClusterChores.class);
        AtomicInteger runs = new AtomicInteger();
        Duration period = Duration.ofHours(6);

        // Both nodes' schedules fire: the first does it, the second finds this period's run done.
        assertThat(choresA.runOnce(Chore.SCHEDULED_BACKUP, period, runs::incrementAndGet))
                .isTrue();
        assertThat(choresB.runOnce(Chore.SCHEDULED_BACKUP, period, runs::incrementAndGet))
                .isFalse();
        assertThat(choresA.runOnce(Chore.SCHEDULED_BACKUP, period, runs::incrementAndGet))
                .isFalse();
        assertThat(runs).hasValue(1);
        assertThat(lastRunBy(Chore.SCHEDULED_BACKUP)).isEqualTo("node-a");

        // The next period: again one run, by whichever node comes first.
        clock.advance(period);
        assertThat(choresB.runOnce(Chore.SCHEDULED_BACKUP, period, runs::incrementAndGet))
                .isTrue();
        assertThat(choresA.runOnce(Chore.SCHEDULED_BACKUP, period, runs::incrementAndGet))
                .isFalse();
        assertThat(runs).hasValue(2);
        assertThat(lastRunBy(Chore.SCHEDULED_BACKUP)).isEqualTo("node-b");

        // The hub's own chores go through it: of two sweeps at the same moment, at most one runs.
        clock.advance(Duration.ofMinutes(1));
        boolean sweptOnA = nodeA.bean(Connectivity.class).sweep();
        boolean sweptOnB = nodeB.bean(Connectivity.class).sweep();
        assertThat(sweptOnA && sweptOnB).isFalse();
    }

    private static String lastRunBy(Chore chore) throws Exception {
        try (Connection db = postgres.getPostgresDatabase().getConnection();
                var statement = db.prepareStatement("select node from cluster_chores where chore = ?")) {
            statement.setString(1, chore.name());
            try (ResultSet rows = statement.executeQuery()) {
                assertThat(rows.next()).isTrue();
                return rows.getString(1);
            }
        }
    }
}
