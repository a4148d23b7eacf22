package dev.doorward.hub.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.cluster.ClusterKeys;
import dev.doorward.crypto.cluster.JoinSecret;
import dev.doorward.crypto.media.MediaKeyWrap;
import dev.doorward.crypto.sframe.CipherSuite;
import dev.doorward.crypto.sframe.Receiver;
import dev.doorward.crypto.sframe.SFrameContext;
import dev.doorward.crypto.sframe.Sender;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.hub.live.LiveViews;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Closing;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.NatsServer;
import dev.doorward.hub.testing.NewMediaKey;
import dev.doorward.hub.testing.RawDeviceLink;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.hub.testing.TwoNodes;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.MediaPart;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import org.jcodec.codecs.h264.H264Decoder;
import org.jcodec.common.model.ColorSpace;
import org.jcodec.common.model.Picture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Live view and talk when the browser is on node B and the doorbell's link on node A (issue 17), with two real nodes,
 * a real nats-server, a real doorbell agent and one played by hand: parts cross in order and open with the browser's
 * keys, talk crosses back, publishing stops when the last remote viewer leaves (or its node stops renewing), endings
 * on one node end views on the other, and B refuses whom it refuses for a local doorbell.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterLiveTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String SESSION_COOKIE = "__Host-doorward-session";
    private static final Duration QUIET = Duration.ofSeconds(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    static Path dir;

    static TwoNodes nodes;
    static JoinSecret secret;
    static NatsServer nats;
    static TestHub a;
    static TestHub b;
    static Household owner;
    static Household stranger;
    static DeviceAgent front;
    static String frontId;
    static MintedDevice sideDevice;
    static String sideId;
    static RawDeviceLink side;

    @BeforeAll
    static void startTwoNodes() throws Exception {
        nodes = TwoNodes.start(dir, "a join secret of the live test, more than 32 bytes");
        secret = nodes.secret;
        nats = nodes.nats;
        a = nodes.a;
        b = nodes.b;
        owner = nodes.owner;
        stranger = Household.signUp(a, "stranger");
        front = owner.claim(a, a.mintDevice("front"));
        frontId = front.deviceId().orElseThrow();
        sideDevice = a.mintDevice("side");
        DeviceAgent agent = owner.claim(a, sideDevice);
        sideId = agent.deviceId().orElseThrow();
        agent.close(); // the side door is played by hand, on node A
        side = RawDeviceLink.asOwnedDevice(a, sideDevice.deviceDir());
        assertThat(side.exchange(hello())).contains("welcome");
    }

    @AfterAll
    static void stopAll() {
        Closing.all(side, front, nodes);
    }

    @Test
    @Order(1)
    void partsOfADoorbellOnACrossToAViewerOnBInOrderFromAKeyframeAndTalkCrossesBack() throws Exception {
        BrowserClient browser = owner.browser().atNode(b);
        sendKeyFor(owner.browser(), 1_800_000_000L, 16);
        BrowserClient.Stream live = watch(browser, b, sideId);
        assertThat(live.awaitType("key", WAIT)).isPresent();
        assertThat(live.await(m -> "live".equals(m.path("state").asString("")), WAIT))
                .as("node A answered: the doorbell is live")
                .isPresent();
        // Node A counts the viewer on B into what the doorbell hears.
        assertThat(awaitLive(side, 1)).isTrue();
        assertThat(a.bean(LiveViews.class).feedingOtherNodes(sideId)).isTrue();
        assertThat(a.bean(LiveViews.class).viewerCount(sideId)).isZero();
        // A new media epoch while watching: the envelope the doorbell wrapped on A reaches the viewer on B.
        sendKeyFor(owner.browser(), 1_800_000_001L, 17);
        assertThat(live.await(m -> m.path("epoch").asLong() == 1_800_000_001L, WAIT))
                .isPresent();

        // A frame that does not start a picture is not sent to a viewer who has none yet; then 40 frames, each
        // of several parts, arrive byte for byte and in order.
        for (ByteBuffer part : MediaPart.split(MediaPart.Kind.VIDEO, false, RANDOM.generateSeed(100))) {
            side.sendBinary(part);
        }
        List<ByteBuffer> sent = new ArrayList<>();
        for (int frame = 0; frame < 40; frame++) {
            boolean keyframe = frame % 10 == 0;
            MediaPart.Kind kind = frame % 4 == 3 ? MediaPart.Kind.AUDIO : MediaPart.Kind.VIDEO;
            int size = kind == MediaPart.Kind.AUDIO ? 300 : (keyframe ? 20_000 : 1_000 + RANDOM.nextInt(9_000));
            for (ByteBuffer part :
                    MediaPart.split(kind, keyframe && kind == MediaPart.Kind.VIDEO, RANDOM.generateSeed(size))) {
                sent.add(part.duplicate());
                side.sendBinary(part);
            }
        }
        for (int i = 0; i < sent.size(); i++) {
            assertThat(live.nextBinary(WAIT)).as("part " + i).contains(sent.get(i));
        }

        // A second viewer on B is a keyframe request that reaches the doorbell on A.
        BrowserClient.Stream second = watch(browser, b, sideId);
        assertThat(second.await(m -> "live".equals(m.path("state").asString("")), WAIT))
                .isPresent();
        assertThat(awaitLive(side, 2)).isTrue();

        // Talk from B reaches the doorbell on A, in order.
        List<ByteBuffer> talk = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ByteBuffer part = MediaPart.split(MediaPart.Kind.TALK, false, RANDOM.generateSeed(200 + i))
                    .get(0);
            talk.add(part.duplicate());
            live.sendBinary(part);
        }
        for (ByteBuffer expected : talk) {
            assertThat(side.nextBinary(WAIT)).contains(expected);
        }

        // A new media epoch while B watches: the doorbell's next keyframe, sealed under it and sent right behind its
        // key, reaches B's viewer after the key (which A stores and B reads from the database), not before it.
        int before = live.arrivals().size();
        long epoch = 1_800_000_002L;
        side.send(NewMediaKey.message(sideId, epoch, owner.browser(), 17));
        NewMediaKey.sendKeyframeAndAwait(side, live);
        NewMediaKey.assertCameBeforeTheParts(live, before, epoch);

        // The last viewer on B leaves: A stops publishing, and the doorbell hears nobody watches.
        second.close();
        assertThat(awaitLive(side, 1)).isTrue();
        live.close();
        assertThat(awaitLive(side, 0)).isTrue();
        waitUntil(WAIT, () -> !a.bean(LiveViews.class).feedingOtherNodes(sideId));
        ClusterLive liveA = a.bean(ClusterLive.class);
        try (Connection spy = Nats.connect(spyOptions())) {
            Subscription parts = spy.subscribe(ClusterLive.partsSubject(sideId));
            spy.flush(WAIT);
            long sentBefore = liveA.partsSent();
            for (ByteBuffer part : MediaPart.split(MediaPart.Kind.VIDEO, true, RANDOM.generateSeed(5_000))) {
                side.sendBinary(part);
            }
            assertThat(parts.nextMessage(QUIET))
                    .as("a part published to nobody")
                    .isNull();
            assertThat(liveA.partsSent()).isEqualTo(sentBefore);
        }
    }

    @Test
    @Order(2)
    void aRealDoorbellOnASeenFromBOpensWithTheBrowsersKeysDecodesAndHearsTalk() throws Exception {
        BrowserClient browser = owner.browser();
        assertThat(browser.signRoster(owner.householdId(), Map.of(browser.clientId(), "owner"))
                        .status())
                .isEqualTo(201);
        BrowserClient.Stream live = watch(browser.atNode(b), b, frontId);
        // The doorbell wraps its key to the browser after the roster: it reaches node B's viewer either way.
        JsonNode key = live.awaitType("key", WAIT).orElseThrow();
        long epoch = key.get("epoch").asLong();
        int slot = key.get("slot").asInt();
        MediaKeyWrap.Context context = new MediaKeyWrap.Context(frontId, epoch, browser.clientId(), slot);
        byte[] epochKey = MediaKeyWrap.unwrap(
                context,
                new MediaKeyWrap.Envelope(
                        context,
                        b64(key.get("ephemeralKey").stringValue()),
                        b64(key.get("nonce").stringValue()),
                        b64(key.get("wrapped").stringValue())),
                browser.clientAgreementKey().getPrivate());
        Receiver receiver = new Receiver();
        receiver.addKey(sframe(epoch, 0, epochKey, "device-video"));
        receiver.addKey(sframe(epoch, 1, epochKey, "device-audio"));
        MediaPart.Assembler video = new MediaPart.Assembler(1 << 20);
        MediaPart.Assembler audio = new MediaPart.Assembler(1 << 16);
        List<byte[]> frames = new ArrayList<>();
        int audioFrames = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while ((frames.size() < 5 || audioFrames < 5) && System.nanoTime() < deadline) {
            Optional<ByteBuffer> message = live.nextBinary(Duration.ofSeconds(1));
            if (message.isEmpty()) {
                continue;
            }
            MediaPart part = MediaPart.decode(message.get());
            boolean isVideo = part.kind() == MediaPart.Kind.VIDEO;
            byte[] sealed = (isVideo ? video : audio).add(part);
            if (sealed == null) {
                continue;
            }
            byte[] plain = receiver.open(sealed, new byte[0]);
            if (isVideo) {
                frames.add(java.util.Arrays.copyOfRange(plain, 8, plain.length));
            } else {
                audioFrames++;
            }
        }
        assertThat(frames).as("video frames opened on B").hasSizeGreaterThanOrEqualTo(5);
        assertThat(audioFrames).isGreaterThanOrEqualTo(5);
        // The first frame is a keyframe, and every frame decodes in order: no part lost or reordered on the way.
        assertThat(HexFormat.of().formatHex(frames.get(0))).startsWith("0000000167");
        H264Decoder decoder = new H264Decoder();
        for (byte[] frame : frames) {
            byte[][] buffer = Picture.create(320, 240, ColorSpace.YUV420J).getData();
            Picture picture = decoder.decodeFrame(ByteBuffer.wrap(frame), buffer);
            assertThat(picture).isNotNull();
            assertThat(picture.getCroppedWidth()).isEqualTo(320);
        }

        // Talk from B, sealed with this browser's key, is played by the doorbell on A.
        Sender sender =
                new Sender(sframe(epoch, slot, epochKey, "client-" + browser.clientId()), RANDOM.nextLong(1L << 48));
        long playedBefore = front.liveMedia().orElseThrow().talkFramesPlayed();
        for (int i = 0; i < 25; i++) {
            byte[] pcm = ByteBuffer.allocate(8 + 640)
                    .putLong(System.currentTimeMillis())
                    .put(new byte[640])
                    .array();
            for (ByteBuffer part : MediaPart.split(MediaPart.Kind.TALK, false, sender.seal(new byte[0], pcm))) {
                live.sendBinary(part);
            }
        }
        waitUntil(WAIT, () -> front.liveMedia().orElseThrow().talkFramesPlayed() >= playedBefore + 25);
        assertThat(a.bean(ClusterLive.class).talkForwarded()).isGreaterThanOrEqualTo(25);
        live.close();
        waitUntil(WAIT, () -> !a.bean(LiveViews.class).feedingOtherNodes(frontId));
    }

    @Test
    @Order(3)
    void aSignOutOnBEndsALiveViewHeldOnA() throws Exception {
        BrowserClient second = owner.browser().movedTo(b);
        assertThat(second.login("owner", Household.PASSWORD).status()).isEqualTo(204);
        BrowserClient onA = second.atNode(a);
        BrowserClient.Stream live = watch(onA, a, frontId);
        assertThat(live.await(m -> "live".equals(m.path("state").asString("")), WAIT))
                .isPresent();
        String cookie = second.cookie(SESSION_COOKIE).orElseThrow().getValue();
        assertThat(second.postJson("/api/logout", Map.of()).status()).isEqualTo(204);
        assertThat(live.await(m -> "ended".equals(m.path("state").asString("")), WAIT)
                        .orElseThrow()
                        .path("detail")
                        .asString(""))
                .isEqualTo("signed out");
        waitUntil(WAIT, live::closed);
        // A's live port admitted that session moment ago; the sign-out relayed from B makes it forget it.
        waitUntil(WAIT, () -> refusedOnLivePort(a, cookie));
    }

    /** Whether the node's live port refuses a socket with this session cookie (no upgrade at all). */
    private static boolean refusedOnLivePort(TestHub node, String cookie) {
        BrowserClient stranger = node.browser();
        try {
            stranger.openLiveOn(
                            node.livePort(),
                            "https://" + stranger.base().getHost() + ":"
                                    + stranger.base().getPort(),
                            SESSION_COOKIE + "=" + cookie)
                    .close();
            return false;
        } catch (CompletionException e) {
            return true;
        }
    }

    @Test
    @Order(4)
    void anotherHouseholdTheAnonymousAndARemovedMemberAreRefusedOnBForADoorbellOnA() throws Exception {
        // Another household's member: the answer of an unknown doorbell, nothing asked of node A.
        long partsBefore = a.bean(ClusterLive.class).partsSent();
        BrowserClient.Stream forbidden = watch(stranger.browser().atNode(b), b, frontId);
        assertThat(forbidden
                        .awaitType("state", WAIT)
                        .orElseThrow()
                        .path("detail")
                        .asString(""))
                .isEqualTo("not found");
        assertThat(forbidden.awaitType("key", QUIET)).isEmpty();
        waitUntil(WAIT, forbidden::closed);
        assertThat(a.bean(LiveViews.class).feedingOtherNodes(frontId)).isFalse();
        assertThat(a.bean(ClusterLive.class).partsSent()).isEqualTo(partsBefore);

        // Nobody signed in: no socket at all.
        BrowserClient anonymous = b.browser();
        assertThatThrownBy(() -> anonymous.openLiveOn(b.livePort())).isInstanceOf(CompletionException.class);

        // A browser revoked on A while it watches on B (a doorbell on A): the view on B ends.
        Household visitor = owner.invite(a, "visitor", "resident");
        BrowserClient.Stream revoked = watch(visitor.browser().atNode(b), b, frontId);
        assertThat(revoked.awaitType("state", WAIT).orElseThrow().path("state").asString(""))
                .isEqualTo("not-in-roster");
        assertThat(owner.browser()
                        .delete("/api/households/" + owner.householdId() + "/browsers/"
                                + visitor.browser().clientId())
                        .status())
                .isEqualTo(204);
        assertThat(revoked.await(m -> "ended".equals(m.path("state").asString("")), WAIT)
                        .orElseThrow()
                        .path("detail")
                        .asString(""))
                .isIn("this browser was revoked", "signed out");
        waitUntil(WAIT, revoked::closed);

        // A member watching on B, removed on A: the view on B ends, and watching again is refused. Not yet approved
        // (no key), it is told so, and node A's answer does not turn that into "live".
        Household partner = owner.invite(a, "partner", "resident");
        BrowserClient partnerOnB = partner.browser().atNode(b);
        BrowserClient.Stream live = watch(partnerOnB, b, frontId);
        assertThat(live.awaitType("state", WAIT).orElseThrow().path("state").asString(""))
                .isEqualTo("not-in-roster");
        waitUntil(WAIT, () -> a.bean(LiveViews.class).feedingOtherNodes(frontId));
        assertThat(live.await(m -> "live".equals(m.path("state").asString("")), QUIET))
                .isEmpty();
        assertThat(owner.browser()
                        .delete("/api/households/" + owner.householdId() + "/members/"
                                + partner.browser().accountId())
                        .status())
                .isEqualTo(204);
        assertThat(live.await(m -> "ended".equals(m.path("state").asString("")), WAIT))
                .isPresent();
        waitUntil(WAIT, live::closed);
        BrowserClient again = partner.browser().movedTo(b);
        assertThat(again.login("partner", Household.PASSWORD).status()).isEqualTo(204);
        BrowserClient.Stream refused = watch(again, b, frontId);
        assertThat(refused.awaitType("state", WAIT).orElseThrow().path("detail").asString(""))
                .isEqualTo("not found");
    }

    @Test
    @Order(5)
    void whenALosesTheLinkViewersOnBAreToldAndAStopsFeedingANodeThatStoppedRenewing() throws Exception {
        BrowserClient.Stream live = watch(owner.browser().atNode(b), b, sideId);
        assertThat(live.await(m -> "live".equals(m.path("state").asString("")), WAIT))
                .isPresent();
        assertThat(awaitLive(side, 1)).isTrue();
        side.close();
        assertThat(live.await(m -> "device-offline".equals(m.path("state").asString("")), WAIT))
                .as("node B's viewer hears the doorbell went")
                .isPresent();
        try (Connection spy = Nats.connect(spyOptions())) {
            // Linked nowhere: a new viewer on B hears "device-offline" once no node answers.
            BrowserClient.Stream lonely = watch(owner.browser().atNode(b), b, sideId);
            assertThat(lonely.await(m -> "device-offline".equals(m.path("state").asString("")), WAIT))
                    .isPresent();
            // A node ("c") says it holds the link, then dies: B's viewer is told "live", then "device-offline" when
            // c's answers stop, after the lease.
            spy.publish(
                    ClusterBus.SUBJECT,
                    new SealedMessages(ClusterKeys.messageKey(secret), "c", Clock.systemUTC())
                            .seal(
                                    ClusterLive.STATE,
                                    JsonNodeFactory.instance
                                            .objectNode()
                                            .put("device", sideId)
                                            .put("node", "c")
                                            .put("online", true)));
            assertThat(lonely.await(m -> "live".equals(m.path("state").asString("")), WAIT))
                    .isPresent();
            long answered = System.nanoTime();
            assertThat(lonely.await(m -> "device-offline".equals(m.path("state").asString("")), Duration.ofSeconds(12)))
                    .isPresent();
            assertThat(Duration.ofNanos(System.nanoTime() - answered))
                    .isGreaterThan(Duration.ofMillis(ClusterLive.LEASE_MS - 1_000));
            lonely.close();
            // The first viewer heard the same ("live", then "device-offline"): read past them.
            assertThat(live.await(m -> "device-offline".equals(m.path("state").asString("")), WAIT))
                    .isPresent();
        }
        // Back on node A: node B's viewer is live again.
        side = RawDeviceLink.asOwnedDevice(a, sideDevice.deviceDir());
        assertThat(side.exchange(hello())).contains("welcome");
        assertThat(live.await(m -> "live".equals(m.path("state").asString("")), WAIT))
                .isPresent();
        assertThat(awaitLive(side, 1)).isTrue();
        live.close();
        assertThat(awaitLive(side, 0)).isTrue();

        // A node ("c") that wants the side door once and then dies: node A feeds it until the lease lapses.
        try (Connection spy = Nats.connect(spyOptions())) {
            SealedMessages asC = new SealedMessages(ClusterKeys.messageKey(secret), "c", Clock.systemUTC());
            spy.publish(
                    ClusterBus.SUBJECT,
                    asC.seal(
                            ClusterLive.WANTED,
                            JsonNodeFactory.instance
                                    .objectNode()
                                    .put("device", sideId)
                                    .put("node", "c")
                                    .put("viewers", 1)));
            spy.flush(WAIT);
            assertThat(awaitLive(side, 1)).isTrue();
            assertThat(a.bean(LiveViews.class).feedingOtherNodes(sideId)).isTrue();
            long started = System.nanoTime();
            waitUntil(Duration.ofSeconds(12), () -> !a.bean(LiveViews.class).feedingOtherNodes(sideId));
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .isGreaterThan(Duration.ofMillis(ClusterLive.LEASE_MS - 2_000));
            assertThat(awaitLive(side, 0)).isTrue();
        }
    }

    // ---- helpers

    private static BrowserClient.Stream watch(BrowserClient browser, TestHub node, String deviceId) {
        BrowserClient.Stream live = browser.openLiveOn(node.livePort());
        String clientId = browser.clientId() == null ? "" : browser.clientId();
        live.sendText("{\"type\":\"watch\",\"deviceId\":\"" + deviceId + "\",\"clientId\":\"" + clientId + "\"}");
        return live;
    }

    private static void sendKeyFor(BrowserClient browser, long epoch, int slot) throws InterruptedException {
        side.send(NewMediaKey.message(sideId, epoch, browser, slot));
        Thread.sleep(300); // stored by node A before anyone watches
    }

    private static boolean awaitLive(RawDeviceLink link, int viewers) {
        String fragment = "\"type\":\"live\",\"body\":{\"viewers\":" + viewers + "}";
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String> next = link.next(Duration.ofMillis(200));
            if (next.isPresent() && next.get().contains(fragment)) {
                return true;
            }
        }
        return false;
    }

    private static SFrameContext sframe(long epoch, int slot, byte[] epochKey, String label) {
        return new SFrameContext(CipherSuite.DEFAULT, epoch * 256 + slot, SFrameContext.senderKey(epochKey, label));
    }

    private static Options spyOptions() {
        return new Options.Builder()
                .server(nats.url())
                .userInfo(ClusterKeys.NATS_USER, ClusterKeys.natsPassword(secret))
                .connectionTimeout(Duration.ofSeconds(2))
                .maxReconnects(0)
                .build();
    }

    private static String hello() {
        return LinkCodec.encode(new LinkMessage.Hello(List.of(1), "test", LinkMessage.Mode.NORMAL));
    }

    private static byte[] b64(String text) {
        return Base64.getUrlDecoder().decode(text);
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
