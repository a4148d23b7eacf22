package dev.doorward.hub.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.cluster.ClusterKeys;
import dev.doorward.crypto.cluster.JoinSecret;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Closing;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.NatsServer;
import dev.doorward.hub.testing.PacedPresses;
import dev.doorward.hub.testing.PushServiceStandIn;
import dev.doorward.hub.testing.PushServiceStandIn.Subscription;
import dev.doorward.hub.testing.RawDeviceLink;
import dev.doorward.hub.testing.TestHub;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Three hub nodes on one PostgreSQL and a real nats-server (issue 17): a ring from a doorbell on node A reaches the
 * open apps on B and C and is pushed once, not once per node; with NATS stopped during paced presses nothing is lost
 * (each press stored once, A's members hear the rings meanwhile, B's again afterwards and B's history holds all).
 * The nodes are started once for the class; the tests run in order (the outage last).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ThreeNodesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration QUIET = Duration.ofSeconds(2);
    private static final Duration PACE = Duration.ofMillis(200);

    @TempDir
    static Path dir;

    static EmbeddedPostgres postgres;
    static NatsServer nats;
    static PushServiceStandIn pushService;
    static TestHub a;
    static TestHub b;
    static TestHub c;
    static Household owner;
    static Household resident;
    static DeviceAgent front;
    static DeviceAgent back;
    static MintedDevice backDevice;

    @BeforeAll
    static void startThreeNodes() throws Exception {
        byte[] secretText = "the three nodes' join secret, more than 32 bytes".getBytes(StandardCharsets.US_ASCII);
        Path secretFile = dir.resolve("join-secret");
        Files.write(secretFile, secretText);
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
        nats = NatsServer.start(
                dir.resolve("nats"), ClusterKeys.NATS_USER, ClusterKeys.natsPassword(JoinSecret.of(secretText)));
        pushService = PushServiceStandIn.start(dir.resolve("push-service"));
        // A PostgreSQL of the cluster's own, as ./doorward cluster has (its standalone server allows 200
        // connections): a single hub's embedded server allows 50, fewer than three nodes' pools of 16 each.
        postgres = EmbeddedPostgres.builder().start();
        a = TestHub.start(dir.resolve("a"), node("a", secretFile, null));
        owner = Household.firstOwner(a);
        b = TestHub.start(dir.resolve("b"), node("b", secretFile, a.manufacturerCaDir()));
        c = TestHub.start(dir.resolve("c"), node("c", secretFile, a.manufacturerCaDir()));
        waitUntil(
                WAIT,
                () -> List.of(a, b, c).stream()
                        .allMatch(n -> n.bean(ClusterBus.class).up()));
        front = owner.claim(a, a.mintDevice("front"));
        backDevice = a.mintDevice("back");
        back = owner.claim(a, backDevice);
        resident = owner.invite(a, "resident", "resident");
        BrowserClient.Response signed = owner.browser()
                .signRoster(
                        owner.householdId(),
                        Map.of(
                                owner.browser().clientId(),
                                "owner",
                                resident.browser().clientId(),
                                "resident"),
                        List.of());
        assertThat(signed.status()).as(signed.body()).isEqualTo(201);
    }

    private static Map<String, String> node(String name, Path secretFile, Path manufacturerCaDir) throws Exception {
        Map<String, String> settings = new HashMap<>(pushService.hubProperties());
        Path passwordFile = dir.resolve("db-password");
        Files.writeString(passwordFile, "postgres\n");
        settings.put(
                "doorward.database.url",
                postgres.getJdbcUrl("postgres", "postgres").replaceAll("\\?.*", ""));
        settings.put("doorward.database.username", "postgres");
        settings.put("doorward.database.password-file", passwordFile.toString());
        if (manufacturerCaDir != null) {
            settings.put(
                    "doorward.manufacturer-ca-certificate",
                    manufacturerCaDir.resolve("ca.crt").toString());
        }
        settings.putAll(Map.of(
                "doorward.open-signup",
                "true",
                "doorward.cluster.nats-urls",
                nats.url(),
                "doorward.cluster.node-name",
                name,
                "doorward.cluster.join-secret-file",
                secretFile.toString()));
        return settings;
    }

    @AfterAll
    static void stopAll() {
        Closing.all(c, b, a, nats, pushService, postgres);
    }

    @Test
    @Order(1)
    void aRingOnNodeAReachesOpenAppsOnNodesBAndCAndIsPushedOnce() throws Exception {
        String frontId = front.deviceId().orElseThrow();
        BrowserClient.Stream ownerOnB = owner.browser().atNode(b).openStream();
        BrowserClient.Stream ownerOnC = owner.browser().atNode(c).openStream();
        BrowserClient.Stream residentOnC = resident.browser().atNode(c).openStream();
        for (BrowserClient.Stream stream : List.of(ownerOnB, ownerOnC, residentOnC)) {
            assertThat(stream.awaitType("hello", WAIT)).isPresent();
        }
        // The owner's browser subscribed to push (stored in the shared database, through node C).
        Subscription ownerPush = pushService.subscribe();
        BrowserClient.Response subscribed = owner.browser()
                .atNode(c)
                .putJson("/api/push/subscriptions/" + owner.browser().clientId(), ownerPush.json());
        assertThat(subscribed.status()).as(subscribed.body()).isEqualTo(204);

        String eventId = front.pressButton().orElseThrow();
        for (BrowserClient.Stream stream : List.of(ownerOnB, ownerOnC, residentOnC)) {
            assertThat(stream.await(m -> isRing(m, frontId, eventId), WAIT)).isPresent();
        }
        assertThat(pushService.awaitOn(ownerPush.channelId(), 1, WAIT)).hasSize(1);
        // Three nodes heard the ring; only node A, where the doorbell is linked, pushed it: one push, not three.
        assertThat(pushService.awaitOn(ownerPush.channelId(), 2, QUIET)).hasSize(1);
        assertThat(ownerPush.open(pushService.receivedOn(ownerPush.channelId()).getFirst()))
                .contains(eventId);
        // ... and each open app heard it once.
        for (BrowserClient.Stream stream : List.of(ownerOnB, ownerOnC, residentOnC)) {
            assertThat(stream.await(m -> isRing(m, frontId, eventId), QUIET)).isEmpty();
        }
        assertThat(owner.browser()
                        .atNode(c)
                        .delete("/api/push/subscriptions/" + owner.browser().clientId())
                        .status())
                .isEqualTo(204);
        ownerOnB.close();
        ownerOnC.close();
        residentOnC.close();
    }

    @Test
    @Order(2)
    void withNatsStoppedAndStartedDuringPacedPressesNothingIsLost() throws Exception {
        BrowserClient.Stream ownerOnA = owner.browser().openStream();
        BrowserClient.Stream ownerOnB = owner.browser().atNode(b).openStream();
        assertThat(ownerOnA.awaitType("hello", WAIT)).isPresent();
        assertThat(ownerOnB.awaitType("hello", WAIT)).isPresent();
        BrowserClient anonymousA = a.browser();
        BrowserClient anonymousB = b.browser();
        Set<String> ringsOnA = ConcurrentHashMap.newKeySet();
        Set<String> ringsOnB = ConcurrentHashMap.newKeySet();

        try (PacedPresses presses = new PacedPresses(List.of(front, back), PACE)) {
            presses.awaitCount(5, WAIT);
            nats.stop();
            waitUntil(
                    Duration.ofSeconds(20),
                    () -> health(anonymousA).contains("\"cluster\":\"down\"")
                            && health(anonymousB).contains("\"cluster\":\"down\""));
            // From here until NATS is started again, both nodes know they are cut off.
            int outageFrom = presses.count();
            presses.awaitCount(outageFrom + 10, WAIT);
            int outageTo = presses.count();
            nats.start();
            waitUntil(
                    Duration.ofSeconds(20),
                    () -> health(anonymousA).contains("\"cluster\":\"up\"")
                            && health(anonymousB).contains("\"cluster\":\"up\""));
            int afterFrom = presses.count();
            presses.awaitCount(afterFrom + 10, WAIT);
            List<String> all = presses.stop();
            assertThat(presses.failures()).isEmpty();

            // Rings made during the outage reached the open apps on node A, where the doorbells are linked.
            List<String> duringOutage = all.subList(outageFrom, outageTo);
            assertThat(ownerOnA.await(m -> collectRing(m, ringsOnA) && ringsOnA.containsAll(duringOutage), WAIT))
                    .as("rings on node A during the outage")
                    .isPresent();
            // After it, node B's open apps hear every new ring again.
            List<String> afterwards = all.subList(afterFrom, all.size());
            assertThat(ownerOnB.await(m -> collectRing(m, ringsOnB) && ringsOnB.containsAll(afterwards), WAIT))
                    .as("rings on node B after NATS came back: %s of %s", ringsOnB.size(), afterwards)
                    .isPresent();

            // Every press is stored once: the doorbells' outboxes drain, and the events table holds each id once.
            waitUntil(WAIT, () -> front.pendingEvents() == 0 && back.pendingEvents() == 0);
            List<String> stored = a.bean(JdbcClient.class)
                    .sql("select id from events where kind = 'ring' and device_id in (:front, :back)")
                    .param("front", front.deviceId().orElseThrow())
                    .param("back", back.deviceId().orElseThrow())
                    .query(String.class)
                    .list();
            assertThat(stored).containsAll(all);
            assertThat(new HashSet<>(stored)).hasSameSizeAs(stored);

            // Node B's history (what the app reads when it catches up) holds all of them, the outage's too.
            Set<String> historyOnB = new HashSet<>();
            for (DeviceAgent doorbell : List.of(front, back)) {
                BrowserClient.Response history = owner.browser()
                        .atNode(b)
                        .get("/api/events?householdId=" + owner.householdId() + "&deviceId="
                                + doorbell.deviceId().orElseThrow() + "&kind=ring&limit=200");
                assertThat(history.status()).isEqualTo(200);
                for (JsonNode event : history.json()) {
                    historyOnB.add(event.path("id").asString(""));
                }
            }
            assertThat(historyOnB).containsAll(all);
            System.out.printf(
                    "NATS outage: %d presses, %d during the outage, %d after it; all stored once%n",
                    all.size(), duringOutage.size(), afterwards.size());
        } finally {
            nats.start(); // if an assertion failed during the outage: the next test needs NATS
            ownerOnA.close();
            ownerOnB.close();
        }
    }

    @Test
    @Order(3)
    void aRingStoredByOneNodeButNotAcknowledgedIsStoredOnceAndRingsOnceWhenResentToAnother() throws Exception {
        // As when node A dies after storing a ring and before its acknowledgement left: the doorbell keeps the ring
        // in its outbox and sends it again, with the same event id, on its new link to node B.
        back.close();
        String backId = back.deviceId().orElseThrow();
        BrowserClient.Stream ownerOnA = owner.browser().openStream();
        BrowserClient.Stream ownerOnC = owner.browser().atNode(c).openStream();
        assertThat(ownerOnA.awaitType("hello", WAIT)).isPresent();
        assertThat(ownerOnC.awaitType("hello", WAIT)).isPresent();
        String eventId = "ResentAfterFailover000"; // 22 characters, as a doorbell's random ids
        String ring = "{\"v\":1,\"type\":\"event\",\"body\":{\"eventId\":\"" + eventId
                + "\",\"kind\":\"ring\",\"occurredAt\":" + System.currentTimeMillis() + "}}";
        try (RawDeviceLink onA = RawDeviceLink.asOwnedDevice(a, backDevice.deviceDir())) {
            assertThat(onA.exchange(hello())).contains("\"type\":\"welcome\"");
            onA.send(ring);
            assertThat(awaitAck(onA)).isTrue();
        }
        assertThat(ownerOnA.await(m -> isRing(m, backId, eventId), WAIT)).isPresent();
        assertThat(ownerOnC.await(m -> isRing(m, backId, eventId), WAIT)).isPresent();

        try (RawDeviceLink onB = RawDeviceLink.asOwnedDevice(b, backDevice.deviceDir())) {
            assertThat(onB.exchange(hello())).contains("\"type\":\"welcome\"");
            onB.send(ring);
            // Acknowledged (not refused: a refused ring would stay in the outbox, sent again and again) ...
            assertThat(awaitAck(onB)).isTrue();
        }
        // ... stored once ...
        assertThat(a.bean(JdbcClient.class)
                        .sql("select count(*) from events where device_id = :device and id = :id")
                        .param("device", backId)
                        .param("id", eventId)
                        .query(Integer.class)
                        .single())
                .isEqualTo(1);
        // ... and not announced a second time: node B heard the first announcement from node A.
        assertThat(ownerOnA.await(m -> isRing(m, backId, eventId), QUIET)).isEmpty();
        assertThat(ownerOnC.await(m -> isRing(m, backId, eventId), QUIET)).isEmpty();
        ownerOnA.close();
        ownerOnC.close();
    }

    // ---- helpers

    /** The node's health answer; empty when it did not answer in time (a loaded machine), to be asked again. */
    private static String health(BrowserClient anonymous) {
        try {
            return anonymous.get("/api/health").body();
        } catch (java.io.UncheckedIOException e) {
            return "";
        }
    }

    private static boolean awaitAck(RawDeviceLink link) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            var message = link.next(Duration.ofMillis(500));
            if (message.isPresent() && message.get().contains("\"type\":\"event-ack\"")) {
                return true;
            }
            if (message.isPresent() && message.get().contains("\"type\":\"error\"")) {
                throw new AssertionError("refused: " + message.get());
            }
        }
        return false;
    }

    private static String hello() {
        return "{\"v\":1,\"type\":\"hello\",\"body\":{\"versions\":[1],\"agent\":\"test\",\"mode\":\"normal\"}}";
    }

    private static boolean collectRing(JsonNode m, Set<String> into) {
        if ("ring".equals(m.path("type").asString(""))) {
            into.add(m.path("eventId").asString(""));
        }
        return true;
    }

    private static boolean isRing(JsonNode m, String deviceId, String eventId) {
        return "ring".equals(m.path("type").asString(""))
                && deviceId.equals(m.path("deviceId").asString(""))
                && eventId.equals(m.path("eventId").asString(""));
    }

    static void waitUntil(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout);
            }
            Thread.sleep(50);
        }
    }
}
