package dev.doorward.hub.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.cluster.ClusterKeys;
import dev.doorward.crypto.cluster.JoinSecret;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Closing;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.NatsServer;
import dev.doorward.hub.testing.RawDeviceLink;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.hub.testing.TwoNodes;
import dev.doorward.protocol.Roster;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Two hub nodes sharing one PostgreSQL and a real NATS server (Debian's nats-server): rings, endings, access changes
 * and doorbell links cross between them; forged, stale and replayed messages do not; a NATS outage leaves each node
 * serving its own. The nodes are started once for the class; the tests run in order (the outage last).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterMessagingTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration QUIET = Duration.ofSeconds(1);

    @TempDir
    static Path dir;

    static TwoNodes nodes;
    static JoinSecret secret;
    static NatsServer nats;
    static TestHub a;
    static TestHub b;
    static Household owner;
    static Household resident;
    static MintedDevice frontDevice;
    static MintedDevice backDevice;
    static DeviceAgent front;
    static DeviceAgent back;

    @BeforeAll
    static void startTwoNodes() throws Exception {
        nodes = TwoNodes.start(dir, "a join secret of the test, more than 32 bytes long");
        secret = nodes.secret;
        nats = nodes.nats;
        a = nodes.a;
        b = nodes.b;
        owner = nodes.owner;
        frontDevice = a.mintDevice("front");
        backDevice = a.mintDevice("back");
        front = owner.claim(a, frontDevice);
        back = owner.claim(a, backDevice);
        resident = owner.invite(a, "resident", "resident");
    }

    @AfterAll
    static void stopAll() {
        Closing.all(nodes);
    }

    @Test
    @Order(1)
    void aRingOnNodeAReachesOpenAppsOnNodeBAsNodeBsAccessAllows() {
        String frontId = front.deviceId().orElseThrow();
        String backId = back.deviceId().orElseThrow();
        signRoster(List.of(frontId)); // on node A: the resident may use the front door only

        BrowserClient.Stream ownerOnB = owner.browser().atNode(b).openStream();
        BrowserClient.Stream residentOnB = resident.browser().atNode(b).openStream();
        assertThat(ownerOnB.awaitType("hello", WAIT)).isPresent();
        assertThat(residentOnB.awaitType("hello", WAIT)).isPresent();

        back.pressButton();
        assertThat(ownerOnB.await(m -> isRing(m, backId), WAIT)).isPresent();
        assertThat(residentOnB.await(m -> isRing(m, backId), QUIET)).isEmpty();
        front.pressButton();
        assertThat(residentOnB.await(m -> isRing(m, frontId), WAIT)).isPresent();

        // A roster stored on node A changes who hears a ring on node B.
        signRoster(List.of(backId));
        front.pressButton();
        assertThat(ownerOnB.await(m -> isRing(m, frontId), WAIT)).isPresent();
        assertThat(residentOnB.await(m -> isRing(m, frontId), QUIET)).isEmpty();
        back.pressButton();
        assertThat(residentOnB.await(m -> isRing(m, backId), WAIT)).isPresent();
        ownerOnB.close();
        residentOnB.close();
    }

    @Test
    @Order(2)
    void aNewerLinkOfTheSameDoorbellOnNodeBClosesTheOlderOneOnNodeA() throws Exception {
        back.close();
        try (RawDeviceLink onA = RawDeviceLink.asOwnedDevice(a, backDevice.deviceDir())) {
            assertThat(onA.exchange(hello())).contains("\"type\":\"welcome\"");
            Thread.sleep(5); // the link on B is opened later, by the millisecond
            try (RawDeviceLink onB = RawDeviceLink.asOwnedDevice(b, backDevice.deviceDir())) {
                assertThat(onB.exchange(hello())).contains("\"type\":\"welcome\"");
                assertThat(onA.awaitClosed(WAIT)).isTrue();
                // The newer one is kept.
                assertThat(onB.exchange("{\"v\":1,\"type\":\"heartbeat\",\"body\":{\"seq\":1}}"))
                        .contains("heartbeat-ack");
                assertThat(onB.closeCode()).isEmpty();
            }
        }
    }

    @Test
    @Order(3)
    void forgedStaleReplayedAndWronglyKeyedMessagesAreDropped() throws Exception {
        // A node with another join secret is refused by NATS itself.
        JoinSecret wrongSecret =
                JoinSecret.of("another join secret, just as long as the real one".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> Nats.connect(options(ClusterKeys.natsPassword(wrongSecret)))
                        .close())
                .isInstanceOf(Exception.class);

        BrowserClient.Stream ownerOnB = owner.browser().atNode(b).openStream();
        assertThat(ownerOnB.awaitType("hello", WAIT)).isPresent();
        ClusterBus busB = b.bean(ClusterBus.class);
        try (Connection spy = Nats.connect(options(ClusterKeys.natsPassword(secret)))) {
            List<byte[]> captured = java.util.Collections.synchronizedList(new ArrayList<>());
            Subscription subscription = spy.subscribe(ClusterBus.SUBJECT);
            String frontId = front.deviceId().orElseThrow();
            front.pressButton();
            assertThat(ownerOnB.await(m -> isRing(m, frontId), WAIT)).isPresent();
            io.nats.client.Message message;
            while ((message = subscription.nextMessage(Duration.ofMillis(500))) != null) {
                captured.add(message.getData());
            }
            byte[] ring = captured.stream()
                    .filter(m -> new String(m, StandardCharsets.UTF_8).contains("\"type\":\"ring\""))
                    .findFirst()
                    .orElseThrow();

            // Replayed as it was: dropped.
            long replayed = busB.refused(SealedMessages.Refusal.REPLAYED);
            spy.publish(ClusterBus.SUBJECT, ring);
            waitUntil(WAIT, () -> busB.refused(SealedMessages.Refusal.REPLAYED) == replayed + 1);

            // One byte of its content changed (the MAC no longer holds): dropped.
            long badMac = busB.refused(SealedMessages.Refusal.BAD_MAC);
            byte[] forged = Arrays.copyOf(ring, ring.length);
            forged[forged.length - 5] ^= 1;
            spy.publish(ClusterBus.SUBJECT, forged);
            // Sealed with a key from another join secret: dropped.
            spy.publish(
                    ClusterBus.SUBJECT,
                    new SealedMessages(ClusterKeys.messageKey(wrongSecret), "intruder", Clock.systemUTC())
                            .seal(ClusterNotices.KIND, ringBody(frontId)));
            waitUntil(WAIT, () -> busB.refused(SealedMessages.Refusal.BAD_MAC) == badMac + 2);

            // Sealed with the right key but sent a minute ago: dropped.
            long stale = busB.refused(SealedMessages.Refusal.STALE);
            spy.publish(
                    ClusterBus.SUBJECT,
                    new SealedMessages(
                                    ClusterKeys.messageKey(secret),
                                    "a",
                                    Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-1)))
                            .seal(ClusterNotices.KIND, ringBody(frontId)));
            waitUntil(WAIT, () -> busB.refused(SealedMessages.Refusal.STALE) == stale + 1);
            spy.flush(WAIT);
        }
        // None of them rang.
        assertThat(ownerOnB.await(m -> isRing(m, front.deviceId().orElseThrow()), QUIET))
                .isEmpty();
        ownerOnB.close();
    }

    @Test
    @Order(4)
    void signOutRevocationAndRemovalOnOneNodeEndWhatTheOtherHolds() throws Exception {
        // A sign-out on node B ends that session's stream on node A.
        BrowserClient second = resident.browser().movedTo(b);
        assertThat(second.login("resident", Household.PASSWORD).status()).isEqualTo(204);
        BrowserClient.Stream onA = second.atNode(a).openStream();
        assertThat(onA.awaitType("hello", WAIT)).isPresent();
        assertThat(second.postJson("/api/logout", Map.of()).status()).isEqualTo(204);
        waitUntil(WAIT, onA::closed);

        // A browser revoked on node A ends its live view on node B.
        BrowserClient residentOnB = resident.browser().atNode(b);
        BrowserClient.Stream live = residentOnB.openLiveOn(b.livePort());
        live.sendText("{\"type\":\"watch\",\"deviceId\":\"" + back.deviceId().orElseThrow() + "\",\"clientId\":\""
                + resident.browser().clientId() + "\"}");
        // Watching (the resident may use the back door since test 1's last roster), not refused.
        assertThat(live.awaitType("state", WAIT).orElseThrow().path("state").asString(""))
                .isNotEqualTo("ended");
        BrowserClient.Stream streamOnB = residentOnB.openStream();
        assertThat(streamOnB.awaitType("hello", WAIT)).isPresent();
        assertThat(owner.browser()
                        .delete("/api/households/" + owner.householdId() + "/browsers/"
                                + resident.browser().clientId())
                        .status())
                .isEqualTo(204);
        assertThat(live.await(m -> "ended".equals(m.path("state").asString("")), WAIT)
                        .orElseThrow()
                        .path("detail")
                        .asString(""))
                // Revoking a browser also signs it out: whichever ending reaches node B first ends the view.
                .isIn("this browser was revoked", "signed out");

        // ... and node B hears who may hear rings now: no browser of the resident's is listed any more.
        try (RawDeviceLink backOnA = RawDeviceLink.asOwnedDevice(a, backDevice.deviceDir())) {
            assertThat(backOnA.exchange(hello())).contains("\"type\":\"welcome\"");
            BrowserClient.Stream ownerOnB = owner.browser().atNode(b).openStream();
            assertThat(ownerOnB.awaitType("hello", WAIT)).isPresent();
            assertThat(backOnA.exchange(ringEvent("BackRingAfterRevocation"))).contains("event-ack");
            String backId = back.deviceId().orElseThrow();
            assertThat(ownerOnB.await(m -> isRing(m, backId), WAIT)).isPresent();
            assertThat(streamOnB.await(m -> isRing(m, backId), QUIET)).isEmpty();
            ownerOnB.close();
        }

        // The revoked browser is signed out on node B too.
        waitUntil(WAIT, streamOnB::closed);

        // A member removed on node A: their stream on node B (another browser, still signed in) closes.
        BrowserClient otherOnB = b.browser();
        assertThat(otherOnB.login("resident", Household.PASSWORD).status()).isEqualTo(204);
        BrowserClient.Stream otherStream = otherOnB.openStream();
        assertThat(otherStream.awaitType("hello", WAIT)).isPresent();
        assertThat(owner.browser()
                        .delete("/api/households/" + owner.householdId() + "/members/" + otherOnB.accountId())
                        .status())
                .isEqualTo(204);
        waitUntil(WAIT, otherStream::closed);
    }

    @Test
    @Order(5)
    void withoutNatsEachNodeRingsItsOwnMembersAndSaysItIsDegraded() throws Exception {
        String frontId = front.deviceId().orElseThrow();
        String backId = back.deviceId().orElseThrow();
        BrowserClient.Stream ownerOnA = owner.browser().openStream();
        BrowserClient.Stream ownerOnB = owner.browser().atNode(b).openStream();
        assertThat(ownerOnA.awaitType("hello", WAIT)).isPresent();
        assertThat(ownerOnB.awaitType("hello", WAIT)).isPresent();
        try (RawDeviceLink backOnB = RawDeviceLink.asOwnedDevice(b, backDevice.deviceDir())) {
            assertThat(backOnB.exchange(hello())).contains("\"type\":\"welcome\"");

            nats.stop();
            BrowserClient anonymousA = a.browser();
            BrowserClient anonymousB = b.browser();
            waitUntil(WAIT, () -> anonymousA.get("/api/health").body().contains("\"cluster\":\"down\""));
            waitUntil(WAIT, () -> anonymousB.get("/api/health").body().contains("\"cluster\":\"down\""));
            BrowserClient.Response health = anonymousB.get("/api/health");
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.json().path("status").asString("")).isEqualTo("degraded");
            assertThat(health.json().path("degraded").asString("")).isEqualTo("cluster messaging unavailable");

            // The open apps are told too.
            assertThat(ownerOnA.await(m -> "down".equals(m.path("cluster").asString("")), WAIT))
                    .isPresent();

            // Each node rings its own doorbell's members; nothing crosses.
            front.pressButton();
            assertThat(ownerOnA.await(m -> isRing(m, frontId), WAIT)).isPresent();
            assertThat(backOnB.exchange(ringEvent("BackRingWhileNatsIsDown"))).contains("event-ack");
            assertThat(ownerOnB.await(m -> isRing(m, backId), WAIT)).isPresent();
            assertThat(ownerOnB.await(m -> isRing(m, frontId), QUIET)).isEmpty();
            assertThat(a.bean(ClusterBus.class).unsent()).isPositive();

            // NATS back: the nodes are whole again and a ring crosses.
            nats.start();
            waitUntil(
                    Duration.ofSeconds(15),
                    () -> anonymousA.get("/api/health").body().contains("\"cluster\":\"up\"")
                            && anonymousB.get("/api/health").body().contains("\"cluster\":\"up\""));
            assertThat(anonymousB.get("/api/health").json().path("status").asString(""))
                    .isEqualTo("up");
            assertThat(ownerOnB.await(m -> "up".equals(m.path("cluster").asString("")), WAIT))
                    .isPresent();
            front.pressButton();
            assertThat(ownerOnB.await(m -> isRing(m, frontId), WAIT)).isPresent();
        }
    }

    // ---- helpers

    private static void signRoster(List<String> residentDevices) {
        BrowserClient browser = owner.browser();
        BrowserClient.Response signed = browser.signRoster(
                owner.householdId(),
                Map.of(browser.clientId(), "owner", resident.browser().clientId(), "resident"),
                List.of(new Roster.Access(resident.browser().clientId(), residentDevices, null)));
        assertThat(signed.status()).as(signed.body()).isEqualTo(201);
    }

    private static boolean isRing(tools.jackson.databind.JsonNode m, String deviceId) {
        return "ring".equals(m.path("type").asString(""))
                && deviceId.equals(m.path("deviceId").asString(""));
    }

    private static tools.jackson.databind.JsonNode ringBody(String deviceId) {
        var body = JsonNodeFactory.instance.objectNode();
        body.put("household", owner.householdId());
        body.put("adminsOnly", false);
        body.putObject("notice")
                .put("type", "ring")
                .put("deviceId", deviceId)
                .put("deviceName", "Front")
                .put("eventId", "ForgedRing000000000000")
                .put("occurredAt", "2026-12-04T00:00:00Z");
        return body;
    }

    private static Options options(String password) {
        return new Options.Builder()
                .server(nats.url())
                .userInfo(ClusterKeys.NATS_USER, password)
                .connectionTimeout(Duration.ofSeconds(2))
                .maxReconnects(0)
                .build();
    }

    private static String hello() {
        return "{\"v\":1,\"type\":\"hello\",\"body\":{\"versions\":[1],\"agent\":\"test\",\"mode\":\"normal\"}}";
    }

    private static String ringEvent(String eventId) {
        return "{\"v\":1,\"type\":\"event\",\"body\":{\"eventId\":\""
                + (eventId + "0000000000000000000000").substring(0, 22) + "\",\"kind\":\"ring\",\"occurredAt\":"
                + System.currentTimeMillis() + "}}";
    }

    private static void waitUntil(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout);
            }
            Thread.sleep(50);
        }
    }
}
