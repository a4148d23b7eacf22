package dev.doorward.hub.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Closing;
import dev.doorward.hub.testing.Mosquitto;
import dev.doorward.hub.testing.RawDeviceLink;
import dev.doorward.hub.testing.TwoNodes;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Issue 18: one Home Assistant link per household across a cluster. Two nodes on one PostgreSQL, a real nats-server
 * and Debian's Mosquitto: only the node holding the {@code mqtt} lease connects (no takeover loop between nodes
 * sharing one client id), settings saved on either node reach it, a ring on a node without the link reaches Home
 * Assistant once, a doorbell that moves between nodes ends "online", and when the holder stops the other node takes
 * the link and announces everything again; a lease left by a dead node is taken when it expires. The nodes start
 * once; the tests run in order (node B stops in the fifth).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MqttInClusterTest {
    private static final String HUB_PASSWORD = "broker password for the hub";
    private static final String HA_PASSWORD = "broker password for home assistant";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;

    static TwoNodes nodes;
    static Mosquitto broker;
    static BrokerCapture capture;
    static MintedDevice frontDevice;
    static DeviceAgent front;
    static String path;
    static String topicId;
    static String key;

    @BeforeAll
    static void start() {
        broker = Mosquitto.start(dir.resolve("broker"), "doorward", HUB_PASSWORD, "homeassistant", HA_PASSWORD);
        nodes = TwoNodes.start(dir, "a join secret of the mqtt test, more than 32 bytes");
        frontDevice = nodes.a.mintDevice("front");
        front = nodes.owner.claim(nodes.a, frontDevice);
        path = "/api/households/" + nodes.owner.householdId() + "/integrations/mqtt";
        capture = BrokerCapture.connect(broker, "homeassistant", HA_PASSWORD);
    }

    @AfterAll
    static void stop() {
        Closing.all(capture, front, nodes, broker);
    }

    @Test
    @Order(1)
    void turnedOnThroughNodeBOneNodeConnectsOnceAndARingOnNodeAArrivesOnce() throws Exception {
        assertThat(await(() -> holder().isPresent())).isTrue();
        BrowserClient onB = nodes.owner.browser().atNode(nodes.b);
        BrowserClient onA = nodes.owner.browser();
        assertThat(onB.putJson(path, settings()).status()).isEqualTo(200);
        topicId = onB.get(path).json().get("topicPrefix").asString().substring("doorward/".length());
        BrokerCapture.Message ringConfig = capture.await(m -> m.topic().endsWith("/ring/config"), WAIT)
                .orElseThrow(() -> new AssertionError("no ring config"));
        key = ringConfig.topic().split("/")[2].substring("doorward_".length());
        assertThat(await(() -> connected(onA) && connected(onB)))
                .as(onA.get(path).body() + " / " + onB.get(path).body())
                .isTrue();

        // Ten seconds: one connection of the household's client id, never the hub's last will.
        Thread.sleep(10_000);
        assertThat(broker.logLines(" as doorward-" + topicId + " ")).isEqualTo(1);
        assertThat(broker.logLines("already connected, closing old connection")).isZero();
        assertThat(capture.count(m -> m.topic().equals(hubStatus()) && m.text().equals("offline")))
                .isZero();
        assertThat(connected(onA) && connected(onB)).isTrue();

        ringOnceAfterPress();
    }

    @Test
    @Order(2)
    void whenTheLeaseMovesToNodeBARingOnNodeAReachesHomeAssistantOnceThroughB() throws Exception {
        moveLeaseTo("b");
        long configsBefore = configs();
        // A gives up its links at its next renewal (a real holder stops before its lease can expire: no overlap).
        assertThat(await(() -> holder().equals(Optional.of("b"))
                        && configs() > configsBefore
                        && !nodes.a.bean(MqttChannel.class).holdsLinks()
                        && nodes.b.bean(MqttChannel.class).holdsLinks()))
                .isTrue();
        assertThat(capture.await(
                        m -> m.topic().equals(availability()) && m.text().equals("online"), WAIT))
                .isPresent();
        // A drops its link at its next renewal (it may have reconnected once meanwhile) and shows B's status.
        assertThat(await(() -> connected(nodes.owner.browser())
                        && nodes.a
                                .bean(MqttChannel.class)
                                .status(nodes.owner.householdId())
                                .isPresent()))
                .isTrue();
        // The doorbell's link is on A, the broker link on B: the ring crosses NATS and is published once.
        ringOnceAfterPress();
    }

    @Test
    @Order(3)
    void aDoorbellMovingFromNodeAToNodeBEndsOnline() throws Exception {
        // The doorbell links to B while its link on A is still open, then A's ends: A's offline notice (if A closes
        // it before B's "link-welcomed" retires it) comes after B's online one.
        try (RawDeviceLink onB = RawDeviceLink.asOwnedDevice(nodes.b, frontDevice.deviceDir())) {
            assertThat(onB.exchange(hello())).contains("welcome");
            front.close();
            Thread.sleep(4_000); // past the holder's 2 s settling of an offline notice
            assertThat(lastAvailability()).isEqualTo("online");
        }
        // Gone from every node: offline.
        assertThat(await(() -> "offline".equals(lastAvailability()))).isTrue();
        front = nodes.a.startDevice(frontDevice);
        assertThat(await(() -> "online".equals(lastAvailability()))).isTrue();
    }

    @Test
    @Order(4)
    void turningItOffOnNodeAEndsTheLinkOnNodeBAndTurningItOnAgainReachesB() throws Exception {
        BrowserClient onA = nodes.owner.browser();
        long disconnects = broker.logLines("Client doorward-" + topicId + " disconnected");
        assertThat(onA.delete(path).status()).isEqualTo(204);
        // The holder takes the doorbell out of Home Assistant and ends its link.
        assertThat(capture.await(m -> m.topic().endsWith(key + "/ring/config") && m.payload().length == 0, WAIT))
                .isPresent();
        assertThat(await(() -> broker.logLines("Client doorward-" + topicId + " disconnected") > disconnects))
                .isTrue();
        assertThat(onA.get(path).json().get("enabled").asBoolean()).isFalse();

        assertThat(onA.putJson(path, settings()).status()).isEqualTo(200);
        assertThat(await(() -> connected(onA) && connected(nodes.owner.browser().atNode(nodes.b))))
                .isTrue();
        assertThat(holder()).contains("b");
    }

    @Test
    @Order(5)
    void whenTheHolderStopsTheOtherNodeTakesTheLinkAndAnnouncesEverythingAgain() throws Exception {
        String newTopicId =
                nodes.owner.browser().get(path).json().get("topicPrefix").asString();
        assertThat(newTopicId).startsWith("doorward/");
        topicId = newTopicId.substring("doorward/".length());
        key = capture.await(
                        m -> m.topic().contains("/ring/config")
                                && m.topic().endsWith("/config")
                                && m.payload().length > 0
                                && m.text().contains(topicId),
                        WAIT)
                .orElseThrow()
                .topic()
                .split("/")[2]
                .substring("doorward_".length());
        long configsBefore = configs();
        long stoppedAt = System.nanoTime();
        nodes.b.stop();
        assertThat(await(() -> holder().equals(Optional.of("a")) && configs() > configsBefore))
                .isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).isLessThan(Duration.ofSeconds(15));
        assertThat(capture.await(
                        m -> m.topic().equals(availability()) && m.text().equals("online"), WAIT))
                .isPresent();
        assertThat(await(() -> connected(nodes.owner.browser()))).isTrue();
        ringOnceAfterPress();
    }

    @Test
    @Order(6)
    void aLeaseLeftByANodeThatDiedBlocksOthersUntilItExpiresThenTheNextNodeTakesIt() throws Exception {
        // As a node killed while holding it leaves it: its row, renewed a moment ago. A's next renewal fails, so A
        // ends its link (the broker publishes the hub's last will), and takes the lease only after it expired.
        nodes.a
                .bean(JdbcClient.class)
                .sql("update cluster_leases set node_name = 'killed', expires_at = now() + interval '6 seconds'"
                        + " where name = 'mqtt'")
                .update();
        long movedAt = System.nanoTime();
        assertThat(capture.await(
                        m -> m.topic().equals(hubStatus()) && m.text().equals("offline") && m.receivedNanos() > movedAt,
                        WAIT))
                .isPresent();
        long configsBefore = configs();
        assertThat(await(() -> holder().equals(Optional.of("a")) && configs() > configsBefore))
                .isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - movedAt))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(5))
                .isLessThan(Duration.ofSeconds(15));
        assertThat(capture.await(
                        m -> m.topic().equals(hubStatus()) && m.text().equals("online") && m.receivedNanos() > movedAt,
                        WAIT))
                .isPresent();
        ringOnceAfterPress();
    }

    // ---- helpers

    private static void ringOnceAfterPress() throws InterruptedException {
        String ringTopic = "doorward/" + topicId + "/" + key + "/ring";
        long before = capture.count(m -> m.topic().equals(ringTopic));
        front.pressButton().orElseThrow();
        assertThat(await(() -> capture.count(m -> m.topic().equals(ringTopic)) > before))
                .isTrue();
        Thread.sleep(2_000);
        assertThat(capture.count(m -> m.topic().equals(ringTopic))).isEqualTo(before + 1);
    }

    private static Map<String, Object> settings() {
        return new HashMap<>(Map.of(
                "host",
                "localhost",
                "port",
                broker.port(),
                "username",
                "doorward",
                "password",
                HUB_PASSWORD,
                "brokerCa",
                broker.caPem()));
    }

    private static boolean connected(BrowserClient browser) {
        return "connected".equals(browser.get(path).json().path("state").asString(""));
    }

    private static Optional<String> holder() {
        return nodes.a
                .bean(JdbcClient.class)
                .sql("select node_name from cluster_leases where name = 'mqtt' and expires_at > now()")
                .query(String.class)
                .optional();
    }

    /** As if the holder's lease had expired and the other node took it: the old holder's next renewal fails. */
    private static void moveLeaseTo(String node) {
        nodes.a
                .bean(JdbcClient.class)
                .sql("update cluster_leases set node_name = :node, expires_at = now() + interval '12 seconds'"
                        + " where name = 'mqtt'")
                .param("node", node)
                .update();
    }

    private static long configs() {
        return capture.count(m -> m.topic().endsWith("/ring/config") && m.payload().length > 0);
    }

    private static String hubStatus() {
        return "doorward/" + topicId + "/status";
    }

    private static String availability() {
        return "doorward/" + topicId + "/" + key + "/availability";
    }

    private static String lastAvailability() {
        List<BrokerCapture.Message> all = capture.messages.stream()
                .filter(m -> m.topic().equals(availability()))
                .toList();
        return all.isEmpty() ? null : all.getLast().text();
    }

    private static String hello() {
        return LinkCodec.encode(new LinkMessage.Hello(List.of(1), "test", LinkMessage.Mode.NORMAL));
    }

    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }
}
