package dev.doorward.hub.database;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.RawDeviceLink;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A stop closes the doorbells' links and the browsers' streams with "going away" (1001) before anything else goes, writes their last-seen
 * while the database still runs, stops the database last, and is over within 5 s.
 */
class OrderlyShutdownTest {
    @TempDir
    Path dir;

    @Test
    void linksGoFirstWithGoingAwayAndTheDatabaseLast() throws Exception {
        TestHub hub = TestHub.start(dir);
        String deviceId;
        Instant seenAtHello;
        RawDeviceLink link;
        BrowserClient.Stream stream;
        BrowserClient.Stream liveFallback;
        try {
            Household owner = Household.firstOwner(hub);
            stream = owner.browser().openStream();
            assertThat(stream.awaitType("hello", Duration.ofSeconds(5))).isPresent();
            liveFallback = owner.browser().openLive();
            MintedDevice minted = hub.mintDevice("front-door");
            DeviceAgent agent = owner.claim(hub, minted);
            deviceId = agent.deviceId().orElseThrow();
            agent.close();
            link = RawDeviceLink.asOwnedDevice(hub, minted.deviceDir());
            assertThat(link.exchange(LinkCodec.encode(
                            new LinkMessage.Hello(List.of(1), "doorward-device/0.1.0", LinkMessage.Mode.NORMAL))))
                    .contains("\"type\":\"welcome\"");
            seenAtHello = lastSeen(hub, deviceId);
            Thread.sleep(1_100);

            long stopping = System.nanoTime();
            hub.stop();
            Duration took = Duration.ofNanos(System.nanoTime() - stopping);

            assertThat(took).isLessThan(Duration.ofSeconds(5));
            assertThat(link.awaitClosed(Duration.ofSeconds(5))).isTrue();
            assertThat(link.closeCode()).contains(1001);
            // The open app's stream and a live view on the browser port (the web app's fallback) go the same way.
            for (BrowserClient.Stream socket : List.of(stream, liveFallback)) {
                waitUntilClosed(socket, Duration.ofSeconds(5));
                assertThat(socket.closeCode()).contains(1001);
            }
        } finally {
            hub.close();
        }
        link.close();

        // The goodbye was written before the database stopped: last-seen moved on from the hello.
        try (TestHub again = TestHub.start(dir)) {
            assertThat(lastSeen(again, deviceId)).isAfter(seenAtHello);
        }
    }

    private static void waitUntilClosed(BrowserClient.Stream stream, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!stream.closed() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    private static Instant lastSeen(TestHub hub, String deviceId) {
        return hub.bean(JdbcClient.class)
                .sql("select last_seen_at from devices where id = :id")
                .param("id", deviceId)
                .query(Timestamp.class)
                .single()
                .toInstant();
    }
}
