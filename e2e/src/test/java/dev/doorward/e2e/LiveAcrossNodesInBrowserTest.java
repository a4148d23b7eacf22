package dev.doorward.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.doorward.crypto.cluster.ClusterKeys;
import dev.doorward.crypto.cluster.JoinSecret;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.e2e.Chromium.Phone;
import dev.doorward.hub.live.LiveViews;
import dev.doorward.hub.testing.Haproxy;
import dev.doorward.hub.testing.NatsServer;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.Roster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live view across a cluster's nodes in a real browser (issue 17): two hub nodes on one PostgreSQL and a real
 * nats-server, node A on 127.0.0.2 and node B on 127.0.0.3 with the same ports, and in front of them, on
 * 127.0.0.1, a TCP relay standing in for the balancer (one origin, TLS passed through). The owner sets up and adds the
 * doorbell through node A, which keeps the doorbell's link; then the balancer sends the browser to node B, which
 * serves the page and the live socket. The picture decodes and moves in Chromium, and talk reaches the door.
 */
class LiveAcrossNodesInBrowserTest {
    private static final String NODE_A = "127.0.0.2";
    private static final String NODE_B = "127.0.0.3";
    private static final LocatorAssertions.IsVisibleOptions SLOW =
            new LocatorAssertions.IsVisibleOptions().setTimeout(20_000);

    @TempDir
    Path dir;

    @Test
    void aPageServedByNodeBShowsAndTalksToADoorbellLinkedOnNodeA() throws Exception {
        byte[] secretText = "the join secret of the browser test, 32+ bytes".getBytes(StandardCharsets.US_ASCII);
        Path secretFile = dir.resolve("join-secret");
        Files.write(secretFile, secretText);
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
        String natsPassword = ClusterKeys.natsPassword(JoinSecret.of(secretText));
        int browserPort = Haproxy.freePortOn("127.0.0.1", NODE_A, NODE_B);
        int devicePort = Haproxy.freePortOn("127.0.0.1", NODE_A, NODE_B);
        int livePort = Haproxy.freePortOn("127.0.0.1", NODE_A, NODE_B);
        try (NatsServer nats = NatsServer.start(dir.resolve("nats"), ClusterKeys.NATS_USER, natsPassword);
                SwitchableRelay browserRelay = new SwitchableRelay(browserPort, NODE_A);
                SwitchableRelay liveRelay = new SwitchableRelay(livePort, NODE_A);
                SwitchableRelay deviceRelay = new SwitchableRelay(devicePort, NODE_A);
                TestHub a = TestHub.start(
                        dir.resolve("a"), node("a", NODE_A, secretFile, nats, browserPort, devicePort, livePort));
                TestHub b = TestHub.startNode(
                        dir.resolve("b"), a, node("b", NODE_B, secretFile, nats, browserPort, devicePort, livePort));
                Chromium chromium = Chromium.launch()) {
            MintedDevice minted = a.mintDevice("front");
            DeviceAgent doorbell = a.startDevice(minted);
            try (Phone phone = chromium.phone("owner")) {
                // Through node A: the owner's account, the doorbell claimed, its roster signed by this browser.
                OwnerInBrowser.setUp(phone, a);
                OwnerInBrowser.addDoorbell(phone, doorbell, minted);
                assertThat(await(() -> doorbell.roster().map(Roster::epoch).orElse(0L) >= 1))
                        .as("the doorbell holds a roster")
                        .isTrue();
                String deviceId = doorbell.deviceId().orElseThrow();
                assertThat(await(() -> a.bean(dev.doorward.hub.link.DeviceConnections.class)
                                .isOnline(deviceId)))
                        .as("the doorbell's link is on node A")
                        .isTrue();

                // The balancer sends this browser to node B from now on: the page, its stream, its live socket.
                browserRelay.pointAt(NODE_B);
                liveRelay.pointAt(NODE_B);
                phone.page().reload();
                assertThat(phone.$("#device-list li[data-device-id]")).isVisible(SLOW);
                List<String> sockets = new CopyOnWriteArrayList<>();
                phone.page().onWebSocket(socket -> sockets.add(socket.url()));
                phone.$("#device-list li[data-device-id] .live-open").click();
                Locator canvas = phone.$(".live-canvas");
                assertThat(canvas).isVisible(SLOW);
                assertThat(sockets).contains("wss://localhost:" + livePort + "/api/live");
                // Watched on node B, fed from node A.
                assertThat(b.bean(LiveViews.class).viewerCount(deviceId)).isEqualTo(1);
                assertThat(a.bean(LiveViews.class).viewerCount(deviceId)).isZero();
                assertThat(a.bean(LiveViews.class).feedingOtherNodes(deviceId)).isTrue();
                assertThat(browserRelay.connections())
                        .as("connections to node B")
                        .isPositive();

                String first = (String) phone.page().evaluate(SAMPLE_CANVAS);
                assertThat(first).isNotEqualTo(String.join(",", Collections.nCopies(48, "0")));
                phone.page().waitForTimeout(1_500);
                String later = (String) phone.page().evaluate(SAMPLE_CANVAS);
                assertThat(later).as("the picture changes over time").isNotEqualTo(first);
                assertThat(phone.$(".live-view")).hasAttribute("data-state", "live");
                phone.screenshot("live-across-nodes");

                // Hold to talk on node B: the doorbell on node A plays it.
                Locator talk = phone.$(".live-talk");
                assertThat(talk).isEnabled();
                talk.hover();
                phone.page().mouse().down();
                phone.page().waitForTimeout(2_000);
                phone.page().mouse().up();
                assertThat(await(() -> doorbell.liveMedia()
                                        .map(m -> m.talkFramesPlayed())
                                        .orElse(0L)
                                >= 20))
                        .as("talk frames from node B played at the door on node A")
                        .isTrue();

                phone.$(".live-close").click();
                assertThat(await(() -> !a.bean(LiveViews.class).feedingOtherNodes(deviceId)))
                        .as("node A stops publishing once the view on B ends")
                        .isTrue();
                assertThat(phone.consoleErrors()).isEmpty();
            }
        }
    }

    private static Map<String, String> node(
            String name,
            String address,
            Path secretFile,
            NatsServer nats,
            int browserPort,
            int devicePort,
            int livePort) {
        return Map.ofEntries(
                Map.entry("server.port", Integer.toString(browserPort)),
                Map.entry("doorward.device-port", Integer.toString(devicePort)),
                Map.entry("doorward.live-port", Integer.toString(livePort)),
                Map.entry("doorward.addresses.browser", address),
                Map.entry("doorward.addresses.device", address),
                Map.entry("doorward.addresses.live", address),
                Map.entry("doorward.cluster.nats-urls", nats.url()),
                Map.entry("doorward.cluster.node-name", name),
                Map.entry("doorward.cluster.join-secret-file", secretFile.toString()));
    }

    /** Samples a 4x4 grid of the canvas as RGB values. */
    private static final String SAMPLE_CANVAS = """
            () => {
              const c = document.querySelector('.live-canvas');
              const ctx = c.getContext('2d');
              const out = [];
              for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) {
                const d = ctx.getImageData(Math.floor((x + 0.5) * c.width / 4), Math.floor((y + 0.5) * c.height / 4), 1, 1).data;
                out.push(d[0], d[1], d[2]);
              }
              return out.join(',');
            }
            """;

    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}
