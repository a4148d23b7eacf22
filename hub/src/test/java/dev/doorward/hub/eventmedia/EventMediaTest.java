package dev.doorward.hub.eventmedia;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.media.MediaKeyWrap;
import dev.doorward.crypto.sframe.CipherSuite;
import dev.doorward.crypto.sframe.SFrameContext;
import dev.doorward.crypto.sframe.SFrameHeader;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.link.LinkState;
import dev.doorward.hub.blob.BlobId;
import dev.doorward.hub.blob.BlobStore;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.LinkMessage.EventMediaKind;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.jcodec.codecs.h264.H264Decoder;
import org.jcodec.common.model.ColorSpace;
import org.jcodec.common.model.Picture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Snapshots and clips of events (issue 5): sealed on the doorbell, stored as ciphertext, opened only with a
 * member browser's key; the serial-number attack replayed against every media route; deletion that leaves
 * nothing; events and their media taken while the hub is down arrive once, in order, when it is back.
 */
class EventMediaTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void aRingsSnapshotAndClipAreSealedStoredAndOpenOnlyForMembers() throws Exception {
        try (TestHub hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"))) {
            Household owner = Household.firstOwner(hub);
            MintedDevice minted = hub.mintDevice("front");
            DeviceAgent doorbell = owner.claim(hub, minted);
            String deviceId = doorbell.deviceId().orElseThrow();
            BrowserClient browser = owner.browser();
            assertThat(browser.signRoster(owner.householdId(), Map.of(browser.clientId(), "owner"))
                            .status())
                    .isEqualTo(201);
            assertThat(await(() ->
                            doorbell.liveMedia().flatMap(m -> m.currentEpoch()).isPresent()))
                    .isTrue();
            Thread.sleep(1_000); // a second of frames for the clip

            String eventId = doorbell.pressButton().orElseThrow();
            assertThat(await(
                            () -> mediaOf(browser, owner.householdId(), eventId).size() == 2))
                    .as("snapshot and clip stored")
                    .isTrue();
            assertThat(doorbell.pendingEventMedia()).isZero();

            // The owner's browser opens them with its own key for that epoch.
            byte[] snapshot = open(browser, deviceId, eventId, "snapshot");
            assertThat(HexFormat.of().formatHex(snapshot, 8, 11)).isEqualTo("ffd8ff");
            BufferedImage picture = ImageIO.read(new ByteArrayInputStream(snapshot, 8, snapshot.length - 8));
            assertThat(picture.getWidth()).isEqualTo(640);
            byte[] clip = open(browser, deviceId, eventId, "clip");
            List<byte[]> frames = clipFrames(clip);
            assertThat(frames).hasSizeGreaterThanOrEqualTo(3);
            Picture first = new H264Decoder()
                    .decodeFrame(
                            ByteBuffer.wrap(frames.getFirst()),
                            Picture.create(320, 240, ColorSpace.YUV420J).getData());
            assertThat(first).isNotNull();

            // What the hub stored is ciphertext: no JPEG or H.264 signature, random-looking bytes.
            List<Path> stored = blobFiles(hub);
            assertThat(stored).hasSize(2);
            for (Path blob : stored) {
                byte[] bytes = Files.readAllBytes(blob);
                String hex = HexFormat.of().formatHex(bytes);
                assertThat(hex).doesNotContain("ffd8ff").doesNotContain("00000001");
                assertThat(entropy(bytes)).isGreaterThan(7.9);
            }

            // The serial-number attack: with the serial, the device id and the event id, an anonymous client, a
            // neighbour and a member removed earlier get exactly what an unknown id gets, on every media route.
            Household neighbour = Household.signUp(hub, "neighbour");
            neighbour.browser().registerClient();
            Household removed = joinThenLeave(hub, owner, "former");
            List<String> routes = List.of(
                    "/api/devices/" + deviceId + "/events/" + eventId + "/snapshot",
                    "/api/devices/" + deviceId + "/events/" + eventId + "/clip",
                    "/api/devices/" + deviceId + "/media-keys/" + epochOf(hub, deviceId, eventId) + "?clientId="
                            + browser.clientId(),
                    "/api/events?householdId=" + owner.householdId() + "&deviceId=" + deviceId);
            String unknown = "/api/devices/AAAAAAAAAAAAAAAAAAAAAA/events/" + eventId + "/snapshot";
            for (BrowserClient outsider : List.of(neighbour.browser(), removed.browser())) {
                BrowserClient.Response baseline = outsider.get(unknown);
                assertThat(baseline.status()).isEqualTo(404);
                for (String route : routes) {
                    BrowserClient.Response response = outsider.get(route);
                    assertThat(response.status()).as(route).isEqualTo(404);
                    // The same problem, word for word (only "instance", the path asked for, differs).
                    assertThat(withoutInstance(response)).as(route).isEqualTo(withoutInstance(baseline));
                }
                // A serial number is not even an id: the same 400 as any made-up string, for everyone.
                BrowserClient.Response bySerial =
                        outsider.get("/api/devices/" + minted.serial() + "/events/" + eventId + "/snapshot");
                assertThat(bySerial.status()).isEqualTo(400);
                assertThat(withoutInstance(bySerial))
                        .isEqualTo(withoutInstance(
                                outsider.get("/api/devices/not-a-doorbell/events/" + eventId + "/snapshot")));
            }
            assertThat(withoutInstance(
                            browser.get("/api/devices/" + minted.serial() + "/events/" + eventId + "/snapshot")))
                    .isEqualTo(withoutInstance(
                            browser.get("/api/devices/not-a-doorbell/events/" + eventId + "/snapshot")));
            for (String route : routes) {
                assertThat(hub.browser().get(route).status()).as(route).isEqualTo(401);
            }
            assertThat(browser.get("/api/audit?householdId=" + owner.householdId() + "&limit=100")
                            .body())
                    .contains("media-fetched");

            // Deleting the event removes its rows and its blobs, and says so.
            BrowserClient.Response deleted = browser.sendRaw(java.net.http.HttpRequest.newBuilder(
                            browser.base().resolve("/api/devices/" + deviceId + "/events/" + eventId))
                    .header("X-XSRF-TOKEN", browser.csrfToken().orElseThrow())
                    .DELETE()
                    .build());
            assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
            assertThat(deleted.json().get("deleted").get("blobs").asInt()).isEqualTo(2);
            assertThat(blobFiles(hub)).isEmpty();
            assertThat(hub.bean(org.springframework.jdbc.core.simple.JdbcClient.class)
                            .sql("select count(*) from event_media")
                            .query(Long.class)
                            .single())
                    .isZero();
            assertThat(browser.get("/api/devices/" + deviceId + "/events/" + eventId + "/snapshot")
                            .status())
                    .isEqualTo(404);
        }
    }

    @Test
    void eventsAndTheirMediaTakenWhileTheHubIsDownArriveOnceInOrder() throws Exception {
        try (TestHub hub = TestHub.start(dir)) {
            Household owner = Household.firstOwner(hub);
            DeviceAgent doorbell = owner.claim(hub, hub.mintDevice("front"));
            BrowserClient browser = owner.browser();
            assertThat(browser.signRoster(owner.householdId(), Map.of(browser.clientId(), "owner"))
                            .status())
                    .isEqualTo(201);
            assertThat(await(() ->
                            doorbell.liveMedia().flatMap(m -> m.currentEpoch()).isPresent()))
                    .isTrue();

            hub.stop();
            assertThat(doorbell.awaitLinkState(LinkState.CONNECTED, Duration.ofMillis(1)))
                    .isFalse();
            String first = doorbell.pressButton().orElseThrow();
            Thread.sleep(300);
            String second = doorbell.pressButton().orElseThrow();
            assertThat(await(() -> doorbell.pendingEventMedia() == 4))
                    .as(
                            "pending %d, epoch %s",
                            doorbell.pendingEventMedia(), doorbell.liveMedia().flatMap(m -> m.currentEpoch()))
                    .isTrue();

            hub.restart();
            BrowserClient again = browser.movedTo(hub);
            assertThat(again.login("owner", Household.PASSWORD).status()).isEqualTo(204);
            assertThat(await(() -> doorbell.pendingEventMedia() == 0)).isTrue();
            JsonNode events = again.get("/api/events?householdId=" + owner.householdId() + "&kind=ring")
                    .json();
            List<String> ids = new ArrayList<>();
            events.forEach(e -> ids.add(e.get("id").stringValue()));
            assertThat(ids).containsExactly(second, first);
            events.forEach(e ->
                    assertThat(e.get("media").toString()).contains("snapshot").contains("clip"));
            assertThat(blobFiles(hub)).hasSize(4);
        }
    }

    @Test
    void aRepeatedUploadIsStoredOnceAndABlobLeftByACrashIsSweptAway() throws Exception {
        try (TestHub hub = TestHub.start(dir)) {
            Household owner = Household.firstOwner(hub);
            DeviceAgent doorbell = owner.claim(hub, hub.mintDevice("front"));
            String deviceId = doorbell.deviceId().orElseThrow();
            BrowserClient browser = owner.browser();
            browser.signRoster(owner.householdId(), Map.of(browser.clientId(), "owner"));
            assertThat(await(() ->
                            doorbell.liveMedia().flatMap(m -> m.currentEpoch()).isPresent()))
                    .isTrue();
            Thread.sleep(1_000); // a second of frames for the clip
            String eventId = doorbell.pressButton().orElseThrow();
            assertThat(await(
                            () -> mediaOf(browser, owner.householdId(), eventId).size() == 2))
                    .isTrue();
            EventMediaStore store = hub.bean(EventMediaStore.class);
            EventMediaStore.StoredMedia snapshot =
                    store.find(deviceId, eventId, EventMediaKind.SNAPSHOT).orElseThrow();
            byte[] sealed = store.read(snapshot).orElseThrow();

            // The acknowledgement was lost: the doorbell sends the same object again. One row, one blob.
            store.store(deviceId, eventId, EventMediaKind.SNAPSHOT, sealed);
            assertThat(store.find(deviceId, eventId, EventMediaKind.SNAPSHOT)).contains(snapshot);
            assertThat(blobFiles(hub)).hasSize(2);

            // A crash after a blob was written but before its row: the sweep removes it once it is old enough,
            // and leaves every blob a row points at.
            hub.bean(BlobStore.class).put(BlobId.random(), sealed);
            assertThat(blobFiles(hub)).hasSize(3);
            assertThat(store.sweepOrphans(Instant.now())).isZero();
            assertThat(store.sweepOrphans(
                            Instant.now().plus(EventMediaStore.ORPHAN_AGE).plusSeconds(60)))
                    .isEqualTo(1);
            assertThat(blobFiles(hub)).hasSize(2);
            assertThat(store.read(snapshot)).isPresent();
        }
    }

    @Test
    void someoneWalkingPastIsAMotionEventWithItsSnapshotAndClip() throws Exception {
        try (TestHub hub = TestHub.start(dir)) {
            Household owner = Household.firstOwner(hub);
            DeviceAgent doorbell = owner.claim(hub, hub.mintDevice("front"));
            BrowserClient browser = owner.browser();
            browser.signRoster(owner.householdId(), Map.of(browser.clientId(), "owner"));
            assertThat(await(() ->
                            doorbell.liveMedia().flatMap(m -> m.currentEpoch()).isPresent()))
                    .isTrue();
            doorbell.motionSettings(dev.doorward.device.motion.MotionSettings.defaults()
                    .withMaskedZones(dev.doorward.device.camera.SyntheticCamera.animatedAreas().stream()
                            .map(r -> dev.doorward.device.motion.Region.ofPixels(r, 640, 480))
                            .toList()));
            Thread.sleep(1_500); // the detector learns the still porch

            doorbell.camera().walkBy(Duration.ofSeconds(3));
            assertThat(await(() -> {
                        JsonNode motion = browser.get("/api/events?householdId=" + owner.householdId() + "&kind=motion")
                                .json();
                        return motion.size() == 1 && motion.get(0).get("media").size() == 2;
                    }))
                    .isTrue();
        }
    }

    @Test
    void retentionDeletesOlderEventsWithTheirMediaAndKeepsTheRest() throws Exception {
        try (TestHub hub = TestHub.start(dir)) {
            Household owner = Household.firstOwner(hub);
            DeviceAgent doorbell = owner.claim(hub, hub.mintDevice("front"));
            String deviceId = doorbell.deviceId().orElseThrow();
            BrowserClient browser = owner.browser();
            browser.signRoster(owner.householdId(), Map.of(browser.clientId(), "owner"));
            assertThat(await(() ->
                            doorbell.liveMedia().flatMap(m -> m.currentEpoch()).isPresent()))
                    .isTrue();
            String old = doorbell.pressButton().orElseThrow();
            String recent = doorbell.pressButton().orElseThrow();
            assertThat(await(() -> mediaOf(browser, owner.householdId(), old).size() == 2
                            && mediaOf(browser, owner.householdId(), recent).size() == 2))
                    .isTrue();
            BrowserClient.Response set = browser.sendRaw(java.net.http.HttpRequest.newBuilder(
                            browser.base().resolve("/api/households/" + owner.householdId() + "/retention"))
                    .header("X-XSRF-TOKEN", browser.csrfToken().orElseThrow())
                    .header("Content-Type", "application/json")
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"days\":7}"))
                    .build());
            assertThat(set.status()).as(set.body()).isEqualTo(200);
            // One event is eight days old now.
            hub.bean(org.springframework.jdbc.core.simple.JdbcClient.class)
                    .sql("update events set occurred_at = now() - interval '8 days' where id = :id")
                    .param("id", old)
                    .update();

            hub.bean(EventMediaStore.class).applyRetention();

            List<String> left = new ArrayList<>();
            browser.get("/api/events?householdId=" + owner.householdId())
                    .json()
                    .forEach(e -> left.add(e.get("id").stringValue()));
            assertThat(left).contains(recent).doesNotContain(old);
            // The day filter is the browser's local day.
            java.time.LocalDate kiritimati = java.time.LocalDate.now(java.time.ZoneOffset.ofHours(14));
            String localDay = "/api/events?householdId=" + owner.householdId() + "&day=" + kiritimati;
            assertThat(browser.get(localDay + "&utcOffsetMinutes=840").body()).contains(recent);
            assertThat(browser.get(localDay + "&utcOffsetMinutes=1200").status())
                    .isEqualTo(400);
            assertThat(blobFiles(hub)).hasSize(2);
            assertThat(hub.bean(EventMediaStore.class).find(deviceId, old, EventMediaKind.SNAPSHOT))
                    .isEmpty();

            // This doorbell's own retention (3 days) is shorter than the household's 7: a 5-day-old event goes.
            BrowserClient.Response own = browser.sendRaw(java.net.http.HttpRequest.newBuilder(
                            browser.base().resolve("/api/devices/" + deviceId + "/retention"))
                    .header("X-XSRF-TOKEN", browser.csrfToken().orElseThrow())
                    .header("Content-Type", "application/json")
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"days\":3}"))
                    .build());
            assertThat(own.status()).as(own.body()).isEqualTo(200);
            JsonNode settings =
                    browser.get("/api/devices/" + deviceId + "/settings").json();
            assertThat(settings.get("retentionDays").asInt()).isEqualTo(3);
            assertThat(settings.get("householdRetentionDays").asInt()).isEqualTo(7);
            hub.bean(org.springframework.jdbc.core.simple.JdbcClient.class)
                    .sql("update events set occurred_at = now() - interval '5 days' where id = :id")
                    .param("id", recent)
                    .update();
            hub.bean(EventMediaStore.class).applyRetention();
            assertThat(browser.get("/api/events?householdId=" + owner.householdId())
                            .body())
                    .doesNotContain(recent);
            assertThat(blobFiles(hub)).isEmpty();
        }
    }

    // ---- helpers

    private static String withoutInstance(BrowserClient.Response response) {
        tools.jackson.databind.node.ObjectNode problem = (tools.jackson.databind.node.ObjectNode) response.json();
        problem.remove("instance");
        return problem.toString();
    }

    private static List<String> mediaOf(BrowserClient browser, String householdId, String eventId) {
        List<String> kinds = new ArrayList<>();
        for (JsonNode e : browser.get("/api/events?householdId=" + householdId).json()) {
            if (e.get("id").stringValue().equals(eventId)) {
                e.get("media").forEach(k -> kinds.add(k.stringValue()));
            }
        }
        return kinds;
    }

    private static long epochOf(TestHub hub, String deviceId, String eventId) {
        return hub.bean(EventMediaStore.class)
                .find(deviceId, eventId, EventMediaKind.SNAPSHOT)
                .orElseThrow()
                .epoch();
    }

    /** What the web app does: fetch, find the epoch in the SFrame header, get its envelope, unwrap, open. */
    private static byte[] open(BrowserClient browser, String deviceId, String eventId, String kind) throws Exception {
        byte[] sealed = browser.getBytes("/api/devices/" + deviceId + "/events/" + eventId + "/" + kind);
        long kid = SFrameHeader.decode(sealed).kid();
        long epoch = kid / 256;
        assertThat(kid % 256).isEqualTo(2);
        JsonNode key = browser.get(
                        "/api/devices/" + deviceId + "/media-keys/" + epoch + "?clientId=" + browser.clientId())
                .json();
        MediaKeyWrap.Context context = new MediaKeyWrap.Context(
                deviceId, epoch, browser.clientId(), key.get("slot").asInt());
        byte[] epochKey = MediaKeyWrap.unwrap(
                context,
                new MediaKeyWrap.Envelope(
                        context,
                        b64(key.get("ephemeralKey").stringValue()),
                        b64(key.get("nonce").stringValue()),
                        b64(key.get("wrapped").stringValue())),
                browser.clientAgreementKey().getPrivate());
        SFrameContext still =
                new SFrameContext(CipherSuite.DEFAULT, kid, SFrameContext.senderKey(epochKey, "device-still"));
        byte[] aad =
                ("doorward-event-media:1:" + deviceId + ":" + eventId + ":" + kind).getBytes(StandardCharsets.UTF_8);
        return still.open(sealed, aad);
    }

    private static List<byte[]> clipFrames(byte[] clip) {
        ByteBuffer in = ByteBuffer.wrap(clip);
        in.getLong();
        List<byte[]> frames = new ArrayList<>();
        while (in.hasRemaining()) {
            in.getLong();
            in.get();
            byte[] frame = new byte[in.getInt()];
            in.get(frame);
            frames.add(frame);
        }
        return frames;
    }

    private static Household joinThenLeave(TestHub hub, Household owner, String username) {
        String link = owner.browser()
                .postJson("/api/households/" + owner.householdId() + "/invitations", Map.of("role", "resident"))
                .json()
                .get("link")
                .stringValue();
        Household member = Household.signUp(hub, username);
        member.browser()
                .postJson(
                        "/api/invitations/accept",
                        Map.of("token", link.substring(link.indexOf("#invite=") + "#invite=".length())));
        member.browser().registerClient();
        String accountId =
                member.browser().get("/api/session").json().get("accountId").stringValue();
        BrowserClient admin = owner.browser();
        assertThat(admin.sendRaw(java.net.http.HttpRequest.newBuilder(admin.base()
                                        .resolve("/api/households/" + owner.householdId() + "/members/" + accountId))
                                .header("X-XSRF-TOKEN", admin.csrfToken().orElseThrow())
                                .DELETE()
                                .build())
                        .status())
                .isEqualTo(204);
        // Removal signed it out; signed in again, it is a stranger to the household.
        assertThat(member.browser().login(username, Household.PASSWORD).status())
                .isEqualTo(204);
        return member;
    }

    private static List<Path> blobFiles(TestHub hub) throws IOException {
        Path blobs = hub.dataDir().resolve("blobs");
        if (!Files.exists(blobs)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(blobs)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .toList();
        }
    }

    private static double entropy(byte[] bytes) {
        int[] counts = new int[256];
        for (byte b : bytes) {
            counts[b & 0xff]++;
        }
        double bits = 0;
        for (int count : counts) {
            if (count > 0) {
                double p = (double) count / bytes.length;
                bits -= p * Math.log(p) / Math.log(2);
            }
        }
        return bits;
    }

    private static byte[] b64(String text) {
        return Base64.getUrlDecoder().decode(text);
    }

    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}
