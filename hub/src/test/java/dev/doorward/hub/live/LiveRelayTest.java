package dev.doorward.hub.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.media.MediaKeyWrap;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.NewMediaKey;
import dev.doorward.hub.testing.RawDeviceLink;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.MediaPart;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The hub's live relay ({@code /api/live}) with a doorbell driven by hand: a member's browser gets its own key
 * envelope and the doorbell's sealed parts byte for byte, starting at a keyframe; talk goes the other way;
 * outsiders, the anonymous and removed members get nothing.
 */
class LiveRelayTest {
    static final Duration WAIT = Duration.ofSeconds(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    static Path dir;

    static TestHub hub;
    static Household owner;
    static Household stranger;
    static MintedDevice minted;
    static String deviceId;
    static RawDeviceLink device;

    @BeforeAll
    static void start() {
        hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"));
        owner = Household.firstOwner(hub);
        stranger = Household.signUp(hub, "stranger");
        minted = hub.mintDevice("front");
        DeviceAgent agent = owner.claim(hub, minted);
        deviceId = agent.deviceId().orElseThrow();
        agent.close(); // the doorbell's side is played by hand below
        device = RawDeviceLink.asOwnedDevice(hub, minted.deviceDir());
        assertThat(device.exchange(
                        LinkCodec.encode(new LinkMessage.Hello(List.of(1), "test", LinkMessage.Mode.NORMAL))))
                .contains("welcome");
    }

    @AfterAll
    static void stop() {
        device.close();
        hub.close();
    }

    @Test
    void aMemberGetsItsKeyAndTheSealedPartsByteForByteFromAKeyframe() throws Exception {
        BrowserClient browser = owner.browser();
        byte[] epochKey = RANDOM.generateSeed(32);
        sendKeyFor(browser, 1_800_000_000L, 16, epochKey);

        BrowserClient.Stream live = watch(browser, deviceId);
        JsonNode key = live.awaitType("key", WAIT).orElseThrow();
        MediaKeyWrap.Envelope envelope = new MediaKeyWrap.Envelope(
                new MediaKeyWrap.Context(
                        deviceId,
                        key.get("epoch").asLong(),
                        browser.clientId(),
                        key.get("slot").asInt()),
                b64(key.get("ephemeralKey").stringValue()),
                b64(key.get("nonce").stringValue()),
                b64(key.get("wrapped").stringValue()));
        assertThat(MediaKeyWrap.unwrap(
                        new MediaKeyWrap.Context(deviceId, 1_800_000_000L, browser.clientId(), 16),
                        envelope,
                        browser.clientAgreementKey().getPrivate()))
                .isEqualTo(epochKey);
        assertThat(live.await(m -> m.path("state").asString("").equals("live"), WAIT))
                .isPresent();
        assertThat(awaitLive(1)).isTrue();
        // A second viewer (another tab): both get every part.
        BrowserClient.Stream second = watch(browser, deviceId);
        assertThat(second.awaitType("key", WAIT)).isPresent();
        assertThat(awaitLive(2)).isTrue();

        // A frame that does not start a picture is not worth sending to a viewer who has none yet.
        for (ByteBuffer part : MediaPart.split(MediaPart.Kind.VIDEO, false, RANDOM.generateSeed(100))) {
            device.sendBinary(part);
        }
        List<ByteBuffer> keyframe = MediaPart.split(MediaPart.Kind.VIDEO, true, RANDOM.generateSeed(20_000));
        assertThat(keyframe).hasSize(3);
        keyframe.forEach(part -> device.sendBinary(part.duplicate()));
        ByteBuffer audio = MediaPart.split(MediaPart.Kind.AUDIO, false, RANDOM.generateSeed(680))
                .get(0);
        device.sendBinary(audio.duplicate());
        for (BrowserClient.Stream viewer : List.of(live, second)) {
            for (ByteBuffer expected : keyframe) {
                assertThat(viewer.nextBinary(WAIT)).contains(expected);
            }
            assertThat(viewer.nextBinary(WAIT)).contains(audio);
        }
        second.close();
        assertThat(awaitLive(1)).isTrue();

        // Talk: the browser's sealed part reaches the doorbell as it was sent.
        ByteBuffer talk = MediaPart.split(MediaPart.Kind.TALK, false, RANDOM.generateSeed(680))
                .get(0);
        live.sendBinary(talk.duplicate());
        assertThat(device.nextBinary(WAIT)).contains(talk);

        live.close();
        assertThat(awaitLive(0)).isTrue();
    }

    @Test
    void theGopTheDoorbellSendsWhenAskedReachesTheNewViewerWholeInOrderAndAfterItsKeyAndState() {
        BrowserClient browser = owner.browser();
        // What earlier tests left on the link (counts already seen) must not be taken for this view's count.
        while (device.next(Duration.ofMillis(300)).isPresent()) {
            // drained
        }
        BrowserClient.Stream live = watch(browser, deviceId);
        // As a real doorbell does: its count grew, so it sends its current GOP at once. The hub asked before it
        // recorded the view; what comes meanwhile waits for the record and the key envelopes.
        assertThat(awaitLive(1)).isTrue();
        List<ByteBuffer> gop =
                new ArrayList<>(MediaPart.split(MediaPart.Kind.VIDEO, true, RANDOM.generateSeed(20_000)));
        gop.addAll(MediaPart.split(MediaPart.Kind.VIDEO, false, RANDOM.generateSeed(3_000)));
        gop.forEach(part -> device.sendBinary(part.duplicate()));
        for (ByteBuffer expected : gop) {
            assertThat(live.nextBinary(WAIT)).contains(expected);
        }
        List<String> arrivals = live.arrivals();
        int firstBinary = arrivals.indexOf(BrowserClient.Stream.BINARY);
        assertThat(arrivals.subList(0, firstBinary))
                .as("texts before the first part, of %s", arrivals)
                .anyMatch(text -> text.contains("\"type\":\"state\""));
        assertThat(arrivals.subList(firstBinary, arrivals.size()))
                .as("no key envelope or state after media began")
                .noneMatch(text -> text.contains("\"type\":\"key\"") || text.contains("\"type\":\"state\""));
        live.close();
        assertThat(awaitLive(0)).isTrue();
    }

    @Test
    void aNewMediaKeyReachesTheViewerBeforeThePartsSealedUnderIt() {
        // A browser of its own: its newest key is this test's alone.
        BrowserClient browser = owner.invite(hub, "rotator", "resident").browser();
        sendKeyFor(browser, 1_900_000_000L, 16, RANDOM.generateSeed(32));
        BrowserClient.Stream live = watch(browser, deviceId);
        assertThat(live.await(m -> m.path("state").asString("").equals("live"), WAIT))
                .isPresent();
        assertThat(awaitLive(1)).isTrue();
        List<ByteBuffer> first = MediaPart.split(MediaPart.Kind.VIDEO, true, RANDOM.generateSeed(9_000));
        first.forEach(part -> device.sendBinary(part.duplicate()));
        for (ByteBuffer expected : first) {
            assertThat(live.nextBinary(WAIT)).contains(expected);
        }
        int before = live.arrivals().size();

        // The doorbell starts a new epoch: keys for others in the household first (each is stored in its turn, so
        // the link's queue is busy), this browser's key, and at once a keyframe sealed under it. Parts are relayed
        // as they come and the keys in order: without a hold, the keyframe would reach the browser before its key.
        long epoch = 1_900_000_001L;
        for (int i = 0; i < 5; i++) {
            device.send(LinkCodec.encode(LinkMessage.MediaKey.of(
                    epoch,
                    RandomIds.newId(),
                    17 + i,
                    RANDOM.generateSeed(65),
                    RANDOM.generateSeed(12),
                    RANDOM.generateSeed(48))));
        }
        device.send(NewMediaKey.message(deviceId, epoch, browser, 16));
        NewMediaKey.sendKeyframeAndAwait(device, live);
        NewMediaKey.assertCameBeforeTheParts(live, before, epoch);
        live.close();
        assertThat(awaitLive(0)).isTrue();
    }

    @Test
    void outsidersAndTheAnonymousGetNothingAndTheSameAnswerForUnknownDoorbells() {
        BrowserClient.Stream forbidden = watch(stranger.browser(), deviceId);
        JsonNode refused = forbidden.awaitType("state", WAIT).orElseThrow();
        assertThat(refused.get("state").stringValue()).isEqualTo("ended");
        assertThat(forbidden.awaitType("key", Duration.ofMillis(500))).isEmpty();
        assertThat(awaitClosed(forbidden)).isTrue();

        BrowserClient.Stream unknown = watch(stranger.browser(), "AAAAAAAAAAAAAAAAAAAAAA");
        assertThat(unknown.awaitType("state", WAIT).orElseThrow()).isEqualTo(refused);

        BrowserClient anonymous = hub.browser();
        assertThatThrownBy(() -> anonymous.openLiveOn(port(anonymous))).isInstanceOf(CompletionException.class);
    }

    @Test
    void aMalformedOrSecondWatchRequestEndsTheViewWithItsReason() {
        BrowserClient member = owner.browser();
        Map<String, String> reasons = Map.of(
                "not json",
                "not JSON",
                "{\"type\":\"hello\"}",
                "say which doorbell to watch",
                "{\"type\":\"watch\",\"deviceId\":\"" + "x".repeat(600) + "\"}",
                "watch request too long");
        reasons.forEach((request, reason) -> {
            BrowserClient.Stream live = member.openLiveOn(port(member));
            live.sendText(request);
            assertThat(live.await(m -> m.path("detail").asString("").equals(reason), WAIT))
                    .as(reason)
                    .isPresent();
            assertThat(awaitClosed(live)).isTrue();
        });
        BrowserClient.Stream twice = watch(member, deviceId);
        twice.sendText("{\"type\":\"watch\",\"deviceId\":\"" + deviceId + "\",\"clientId\":\"\"}");
        assertThat(twice.await(m -> m.path("detail").asString("").equals("one watch request per connection"), WAIT))
                .isPresent();
        assertThat(awaitClosed(twice)).isTrue();
    }

    @Test
    void aBrowserMayOnlySendTalk() {
        BrowserClient.Stream live = watch(owner.browser(), deviceId);
        live.awaitType("state", WAIT);
        live.sendBinary(MediaPart.split(MediaPart.Kind.VIDEO, true, new byte[] {1, 2, 3})
                .get(0));
        assertThat(live.await(m -> m.path("state").asString("").equals("ended"), WAIT))
                .isPresent();
        assertThat(awaitClosed(live)).isTrue();
    }

    @Test
    void aDoorbellMayNotSendTalkOrMalformedParts() {
        device.sendBinary(
                MediaPart.split(MediaPart.Kind.TALK, false, new byte[] {1}).get(0));
        assertThat(awaitText(device, "media part refused")).isTrue();
        device.sendBinary(ByteBuffer.wrap(new byte[] {9, 9, 9}));
        assertThat(awaitText(device, "media part refused")).isTrue();
    }

    @Test
    void aRemovedMembersLiveViewEndsWithinSecondsAndTheirKeysAreGone() {
        BrowserClient admin = owner.browser();
        String link = admin.postJson(
                        "/api/households/" + owner.householdId() + "/invitations", Map.of("role", "resident"))
                .json()
                .get("link")
                .stringValue();
        Household partner = Household.signUp(hub, "partner");
        partner.browser()
                .postJson(
                        "/api/invitations/accept",
                        Map.of("token", link.substring(link.indexOf("#invite=") + "#invite=".length())));
        partner.browser().registerClient();
        sendKeyFor(partner.browser(), 1_800_000_001L, 17, RANDOM.generateSeed(32));

        BrowserClient.Stream live = watch(partner.browser(), deviceId);
        assertThat(live.awaitType("key", WAIT)).isPresent();

        String partnerId =
                partner.browser().get("/api/session").json().get("accountId").stringValue();
        assertThat(admin.sendRaw(java.net.http.HttpRequest.newBuilder(admin.base()
                                        .resolve("/api/households/" + owner.householdId() + "/members/" + partnerId))
                                .header("X-XSRF-TOKEN", admin.csrfToken().orElseThrow())
                                .DELETE()
                                .build())
                        .status())
                .isEqualTo(204);
        assertThat(live.await(m -> m.path("state").asString("").equals("ended"), WAIT))
                .isPresent();
        assertThat(awaitClosed(live)).isTrue();
        assertThat(hub.bean(MediaKeys.class).of(deviceId, partner.browser().clientId()))
                .isEmpty();
        // Removal signed the partner out; signed in again, watching gets the outsider's answer.
        assertThat(partner.browser().login("partner", Household.PASSWORD).status())
                .isEqualTo(204);
        BrowserClient.Stream again = watch(partner.browser(), deviceId);
        assertThat(again.awaitType("state", WAIT).orElseThrow().get("detail").stringValue())
                .isEqualTo("not found");
    }

    // ---- helpers

    private static void sendKeyFor(BrowserClient browser, long epoch, int slot, byte[] epochKey) {
        assertThat(device.closeCode()).as("device link").isEmpty();
        MediaKeyWrap.Envelope envelope = MediaKeyWrap.wrap(
                new MediaKeyWrap.Context(deviceId, epoch, browser.clientId(), slot),
                epochKey,
                browser.clientAgreementKey().getPublic().getEncoded(),
                RANDOM);
        device.send(LinkCodec.encode(LinkMessage.MediaKey.of(
                epoch, browser.clientId(), slot, envelope.ephemeralKey(), envelope.nonce(), envelope.wrapped())));
        // The hub stores it before anyone watches; give it a moment.
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (hub.bean(MediaKeys.class).of(deviceId, browser.clientId()).isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    /** Which port the browsers watch on: the browser port (Tomcat) here, the live port in the subclass. */
    protected int port(BrowserClient browser) {
        return browser.base().getPort();
    }

    BrowserClient.Stream watch(BrowserClient browser, String device) {
        BrowserClient.Stream live = browser.openLiveOn(port(browser));
        String clientId = browser.clientId() == null ? "" : browser.clientId();
        live.sendText("{\"type\":\"watch\",\"deviceId\":\"" + device + "\",\"clientId\":\"" + clientId + "\"}");
        return live;
    }

    static boolean awaitLive(int viewers) {
        return awaitText(device, "\"type\":\"live\",\"body\":{\"viewers\":" + viewers + "}");
    }

    private static boolean awaitText(RawDeviceLink link, String fragment) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String> next = link.next(Duration.ofMillis(200));
            if (next.isPresent() && next.get().contains(fragment)) {
                return true;
            }
        }
        return false;
    }

    static boolean awaitClosed(BrowserClient.Stream stream) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!stream.closed() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        return stream.closed();
    }

    private static byte[] b64(String text) {
        return Base64.getUrlDecoder().decode(text);
    }
}
