package dev.doorward.hub.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.cluster.ClusterKeys;
import dev.doorward.crypto.cluster.JoinSecret;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.door.DoorCommands;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.link.LinkState;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.device.pairing.QrScanner;
import dev.doorward.hub.link.DeviceConnections;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Closing;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.NatsServer;
import dev.doorward.hub.testing.SoftPasskey;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.hub.testing.TwoNodes;
import dev.doorward.hub.web.HubPorts;
import dev.doorward.hub.web.QrCodes;
import dev.doorward.protocol.ClaimCode;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.function.BooleanSupplier;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue 17: door requests, claims and passkey registrations reach across nodes. Two nodes on one PostgreSQL and a
 * real nats-server; the front doorbell's link is on node A, the members' browsers ask node B. The door still opens
 * only for a member's own signature (the hub cannot forge one, on the remote path either); a claim started on B
 * completes for a doorbell connecting to A, with the setup code never leaving B; a passkey registered with options
 * from A finishes on B, and signs in the other way round. Outsiders, other households, removed members, forged NATS
 * messages and a node that is gone are refused, the last quickly. The nodes are started once; the tests run in order
 * (node B stops in the last).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterDoorbellsTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    static Path dir;

    static TwoNodes nodes;
    static JoinSecret secret;
    static NatsServer nats;
    static TestHub a;
    static TestHub b;
    static Household owner;
    static Household resident;
    static Household stranger;
    static DeviceAgent front;
    static String frontId;

    @BeforeAll
    static void startTwoNodes() throws Exception {
        nodes = TwoNodes.start(dir, "a join secret of the test, more than 32 bytes long");
        secret = nodes.secret;
        nats = nodes.nats;
        a = nodes.a;
        b = nodes.b;
        owner = nodes.owner;
        front = owner.claim(a, a.mintDevice("front"));
        frontId = front.deviceId().orElseThrow();
        resident = owner.invite(a, "resident", "resident");
        stranger = Household.signUp(a, "stranger");
        BrowserClient browser = owner.browser();
        BrowserClient.Response signed = browser.signRoster(
                owner.householdId(),
                Map.of(browser.clientId(), "owner", resident.browser().clientId(), "resident"));
        assertThat(signed.status()).as(signed.body()).isEqualTo(201);
        waitUntil(() -> front.roster().map(r -> r.members().size()).orElse(0) == 2);
    }

    @AfterAll
    static void stopAll() {
        Closing.all(front, nodes);
    }

    @Test
    @Order(1)
    void aMemberOnNodeBOpensTheDoorLinkedToNodeAAndTheHubStillCannotForgeARelease() throws Exception {
        // The doorbell's link is on A only; B knows where it is.
        assertThat(a.bean(DeviceConnections.class).linkOpenedAt(frontId)).isPresent();
        assertThat(b.bean(DeviceConnections.class).linkOpenedAt(frontId)).isEmpty();
        assertThat(holder(b, frontId)).contains("a");

        BrowserClient residentOnB = resident.browser().atNode(b);
        // Members see it online on either node.
        assertThat(onlineInList(residentOnB, frontId)).isTrue();
        assertThat(onlineInList(resident.browser(), frontId)).isTrue();
        String nonce = nonce(residentOnB, frontId);
        String statement = DoorCommands.statement(frontId, nonce, Instant.now());
        BrowserClient.Response opened = open(residentOnB, frontId, statement);
        assertThat(opened.status()).as(opened.body()).isEqualTo(200);
        assertThat(front.door().releases()).isEqualTo(1);
        assertThat(owner.browser()
                        .get("/api/audit?householdId=" + owner.householdId() + "&limit=20")
                        .body())
                .contains("door-opened");

        // The same signed release again, through B: the doorbell spent its nonce.
        BrowserClient.Response replay = open(residentOnB, frontId, statement);
        assertThat(replay.status()).isEqualTo(403);
        assertThat(replay.body()).contains("nonce");

        // Node B forges a release with a key of its own, down the remote path: the doorbell refuses it.
        KeyPair hubKey = KeyPairs.newP256(new SecureRandom());
        String forged = DoorCommands.statement(frontId, nonce(residentOnB, frontId), Instant.now());
        assertThat(b.bean(DeviceConnections.class)
                        .send(
                                frontId,
                                new LinkMessage.DoorOpen(
                                        "AAAAAAAAAAAAAAAAAAAAAA",
                                        forged,
                                        b64(Signatures.sign(
                                                hubKey.getPrivate(), forged.getBytes(StandardCharsets.UTF_8))),
                                        b64(hubKey.getPublic().getEncoded()))))
                .as("carried to the doorbell through node A")
                .isTrue();
        Thread.sleep(500);
        assertThat(front.door().releases()).isEqualTo(1);

        // Outsiders are refused on B before anything travels: another household's member, the anonymous.
        assertThat(stranger.browser()
                        .atNode(b)
                        .postJson("/api/devices/" + frontId + "/door/nonce", Map.of())
                        .status())
                .isEqualTo(404);
        assertThat(b.browser()
                        .postJson("/api/devices/" + frontId + "/door/nonce", Map.of())
                        .status())
                .isEqualTo(401);
    }

    @Test
    @Order(2)
    void aClaimStartedOnNodeBCompletesForADoorbellConnectingToNodeAAndAWrongCodeIsStillRefused() throws Exception {
        BrowserClient ownerOnB = owner.browser().atNode(b);
        Household ownerAtB = new Household(ownerOnB, owner.username(), owner.householdId());

        // A wrong setup code: the proof runs on B (which alone knows what was typed) and fails.
        MintedDevice side = a.mintDevice("side");
        try (DeviceAgent sideDoor = a.startDevice(side)) {
            Household.ClaimQr wrong =
                    ownerAtB.startClaim("0000000000".equals(side.setupCode()) ? "1111111111" : "0000000000");
            sideDoor.camera().show(linkingTo(a, wrong.image()));
            waitUntil(() -> "refused".equals(claimState(owner.browser(), wrong.handle())));
            assertThat(sideDoor.ownershipState()).isNotEqualTo(OwnershipState.OWNED);
            sideDoor.camera().clearShown();
        }

        MintedDevice garage = a.mintDevice("garage");
        try (DeviceAgent garageDoor = a.startDevice(garage)) {
            Household.ClaimQr qr = ownerAtB.startClaim(garage.setupCode());
            // Behind the balancer every node has one device address; here the QR names B's, so the doorbell is
            // shown one naming A's: it connects to A, where the ticket B issued must work.
            garageDoor.camera().show(linkingTo(a, qr.image()));
            assertThat(garageDoor.awaitOwnership(OwnershipState.OWNED, WAIT)).isTrue();
            garageDoor.camera().clearShown();
            assertThat(garageDoor.awaitLinkState(LinkState.CONNECTED, WAIT)).isTrue();
            String garageId = garageDoor.deviceId().orElseThrow();
            waitUntil(
                    () -> a.bean(DeviceConnections.class).linkOpenedAt(garageId).isPresent());

            // The claim's progress is the same on both nodes, and only its owner's.
            waitUntil(() -> "claimed".equals(claimState(owner.browser(), qr.handle())));
            assertThat(claimState(ownerOnB, qr.handle())).isEqualTo("claimed");
            assertThat(stranger.browser().get("/api/claims/" + qr.handle()).status())
                    .isEqualTo(404);
            assertThat(stranger.browser()
                            .atNode(b)
                            .get("/api/claims/" + qr.handle())
                            .status())
                    .isEqualTo(404);
            // The setup code is nowhere in the database.
            assertThat(a.bean(JdbcClient.class)
                            .sql("select count(*) from claim_tickets where handle = :h and (device_name like :code"
                                    + " or owner_key_fingerprint like :code or reason like :code)")
                            .param("h", qr.handle())
                            .param("code", "%" + garage.setupCode() + "%")
                            .query(Integer.class)
                            .single())
                    .isZero();

            // A member of another household cannot start a claim into this one on either node.
            BrowserClient.Response intruder =
                    stranger.browser().atNode(b).startClaim(owner.householdId(), "1234567890");
            assertThat(intruder.status()).isEqualTo(404);
        }
    }

    @Test
    @Order(3)
    void aPasskeyRegisteredWithOptionsFromNodeAFinishesOnNodeBAndSignsInAcrossNodes() throws Exception {
        BrowserClient.Response options = owner.browser().postJson("/webauthn/register/options", Map.of());
        assertThat(options.status()).as(options.body()).isEqualTo(200);
        SoftPasskey passkey = new SoftPasskey();
        // Behind the balancer every node has one origin; here each node has its own port, so the answer names the
        // origin of the node that checks it.
        Map<String, Object> answer = Map.of(
                "publicKey", Map.of("credential", passkey.register(options.json(), origin(b)), "label", "laptop"));

        // Another account's session has no such ceremony: its attempt with this very answer registers nothing.
        BrowserClient.Response stolen = stranger.browser().atNode(b).postJson("/webauthn/register", answer);
        assertThat(stolen.status()).isBetween(400, 499);
        // The anonymous are not even asked.
        assertThat(b.browser().postJson("/webauthn/register", answer).status()).isEqualTo(401);

        BrowserClient.Response registered = owner.browser().atNode(b).postJson("/webauthn/register", answer);
        assertThat(registered.status()).as(registered.body()).isEqualTo(200);
        assertThat(owner.browser().get("/api/account/passkeys").body()).contains("laptop");
        // Spent: the same answer again is refused.
        assertThat(owner.browser()
                        .atNode(b)
                        .postJson("/webauthn/register", answer)
                        .status())
                .isBetween(400, 499);

        // Signing in: options from B (kept in the session, a PostgreSQL row), the assertion to A.
        BrowserClient fresh = b.browser();
        BrowserClient.Response signInOptions = fresh.postJson("/webauthn/authenticate/options", Map.of());
        assertThat(signInOptions.status()).as(signInOptions.body()).isEqualTo(200);
        BrowserClient freshOnA = fresh.atNode(a);
        BrowserClient.Response signedIn =
                freshOnA.postJson("/login/webauthn", passkey.signIn(signInOptions.json(), origin(a)));
        assertThat(signedIn.status()).as(signedIn.body()).isEqualTo(200);
        assertThat(freshOnA.get("/api/session").json().get("accountId").stringValue())
                .isEqualTo(owner.browser().accountId());
    }

    @Test
    @Order(4)
    void aRemovedMemberIsRefusedOnTheRemotePathAndTheirLateReleaseDoesNotOpen() throws Exception {
        BrowserClient residentOnB = resident.browser().atNode(b);
        String lateNonce = nonce(residentOnB, frontId);
        String residentId =
                residentOnB.get("/api/session").json().get("accountId").stringValue();
        assertThat(owner.browser()
                        .delete("/api/households/" + owner.householdId() + "/members/" + residentId)
                        .status())
                .isEqualTo(204);
        long epoch = front.roster().orElseThrow().epoch();
        BrowserClient browser = owner.browser();
        assertThat(browser.signRoster(owner.householdId(), Map.of(browser.clientId(), "owner"))
                        .status())
                .isEqualTo(201);
        waitUntil(() -> front.roster().orElseThrow().epoch() > epoch);

        // Signed out by the removal; signed in again, a stranger to this household on either node.
        assertThat(residentOnB
                        .postJson("/api/devices/" + frontId + "/door/nonce", Map.of())
                        .status())
                .isEqualTo(401);
        assertThat(residentOnB.login("resident", Household.PASSWORD).status()).isEqualTo(204);
        String late = DoorCommands.statement(frontId, lateNonce, Instant.now());
        assertThat(open(residentOnB, frontId, late).status()).isEqualTo(404);
        // Node B carries their signed release anyway: the doorbell's roster no longer lists them.
        long releases = front.door().releases();
        assertThat(b.bean(DeviceConnections.class)
                        .send(
                                frontId,
                                new LinkMessage.DoorOpen(
                                        "BBBBBBBBBBBBBBBBBBBBBB",
                                        late,
                                        residentOnB.signWithClientKey(late),
                                        residentOnB.clientPublicKey())))
                .isTrue();
        Thread.sleep(500);
        assertThat(front.door().releases()).isEqualTo(releases);
    }

    @Test
    @Order(5)
    void aForgedOrMisaddressedQuestionOverNatsSendsNothingToTheDoorbell() throws Exception {
        BrowserClient ownerBrowser = owner.browser();
        String nonce = nonce(ownerBrowser, frontId);
        String statement = DoorCommands.statement(frontId, nonce, Instant.now());
        // A release the owner really signed: delivered, it would open the door.
        LinkMessage.DoorOpen release = new LinkMessage.DoorOpen(
                "CCCCCCCCCCCCCCCCCCCCCC",
                statement,
                ownerBrowser.signWithClientKey(statement),
                ownerBrowser.clientPublicKey());
        long releases = front.door().releases();
        ClusterBus busA = a.bean(ClusterBus.class);
        long badMac = busA.refused(SealedMessages.Refusal.BAD_MAC);
        JoinSecret wrongSecret =
                JoinSecret.of("another join secret, just as long as the real one".getBytes(StandardCharsets.US_ASCII));
        try (Connection spy = Nats.connect(new Options.Builder()
                .server(nats.url())
                .userInfo(ClusterKeys.NATS_USER, ClusterKeys.natsPassword(secret))
                .maxReconnects(0)
                .build())) {
            String subject = ClusterBus.nodeSubject("a");
            // Sealed with another join secret's key: dropped before it is read.
            spy.publish(
                    subject,
                    spy.createInbox(),
                    new SealedMessages(ClusterKeys.messageKey(wrongSecret), "b", Clock.systemUTC())
                            .seal(ClusterDoorbells.SEND, sendBody("a", release)));
            waitUntil(() -> busA.refused(SealedMessages.Refusal.BAD_MAC) == badMac + 1);
            // Rightly sealed but addressed to another node (a copy of B's question to C, say): not A's to act on.
            spy.publish(
                    subject,
                    spy.createInbox(),
                    new SealedMessages(ClusterKeys.messageKey(secret), "b", Clock.systemUTC())
                            .seal(ClusterDoorbells.SEND, sendBody("c", release)));
            Thread.sleep(700);
            assertThat(front.door().releases()).isEqualTo(releases);

            // The control: the same release, rightly sealed and addressed, is carried (so the two above could fail).
            byte[] genuine = new SealedMessages(ClusterKeys.messageKey(secret), "b", Clock.systemUTC())
                    .seal(ClusterDoorbells.SEND, sendBody("a", release));
            io.nats.client.Message reply = spy.request(subject, genuine).get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(new String(reply.getData(), StandardCharsets.UTF_8)).contains("\"sent\":true");
            waitUntil(() -> front.door().releases() == releases + 1);

            // The genuine question replayed: dropped as a replay, nothing sent again.
            long replayed = busA.refused(SealedMessages.Refusal.REPLAYED);
            spy.publish(subject, spy.createInbox(), genuine);
            waitUntil(() -> busA.refused(SealedMessages.Refusal.REPLAYED) == replayed + 1);
            Thread.sleep(300);
            assertThat(front.door().releases()).isEqualTo(releases + 1);
        }
    }

    @Test
    @Order(6)
    void whenTheNodeHoldingTheLinkIsGoneADoorRequestFailsAtOnceAndClearly() throws Exception {
        // A doorbell claimed and linked on node B (its QR code names B).
        try (DeviceAgent back = new Household(owner.browser().atNode(b), owner.username(), owner.householdId())
                .claim(b, b.mintDevice("back"))) {
            String backId = back.deviceId().orElseThrow();
            waitUntil(() -> holder(a, backId).filter("b"::equals).isPresent());
            // Asked on A, answered by the doorbell on B.
            assertThat(nonce(owner.browser(), backId)).isNotEmpty();

            // A claim started on B whose doorbell reaches A only after B is gone: refused at once, and it says so.
            MintedDevice late = a.mintDevice("late");
            Household.ClaimQr lateQr = new Household(owner.browser().atNode(b), owner.username(), owner.householdId())
                    .startClaim(late.setupCode());

            b.stop();
            try (DeviceAgent lateDoor = a.startDevice(late)) {
                lateDoor.camera().show(linkingTo(a, lateQr.image()));
                waitUntil(() -> "refused".equals(claimState(owner.browser(), lateQr.handle())));
                assertThat(owner.browser().get("/api/claims/" + lateQr.handle()).body())
                        .contains("start adding the doorbell again");
                assertThat(lateDoor.ownershipState()).isNotEqualTo(OwnershipState.OWNED);
            }

            long started = System.nanoTime();
            BrowserClient.Response gone = owner.browser().postJson("/api/devices/" + backId + "/door/nonce", Map.of());
            assertThat(gone.status()).isEqualTo(409);
            assertThat(gone.body()).contains("offline");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));

            // A node killed outright leaves its row behind; the first request finds the node gone (NATS has no
            // responder for it) at once, and the row no longer claims the link.
            a.bean(JdbcClient.class)
                    .sql("insert into cluster_links (device_id, node_name, opened_at) values (:d, 'b', 1)"
                            + " on conflict (device_id) do update set node_name = 'b'")
                    .param("d", backId)
                    .update();
            started = System.nanoTime();
            BrowserClient.Response killed =
                    owner.browser().postJson("/api/devices/" + backId + "/door/nonce", Map.of());
            assertThat(killed.status()).isEqualTo(409);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
            assertThat(holder(a, backId)).isEmpty();
        }
    }

    // ---- helpers

    private static java.util.Optional<String> holder(TestHub node, String deviceId) {
        return node.bean(JdbcClient.class)
                .sql("select node_name from cluster_links where device_id = :d")
                .param("d", deviceId)
                .query(String.class)
                .optional();
    }

    private static ObjectNode sendBody(String to, LinkMessage.FromHub message) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("device", frontId);
        body.put("message", LinkCodec.encode(message));
        body.put("to", to);
        body.put("asking", "DDDDDDDDDDDDDDDDDDDDDD");
        return body;
    }

    /** The claim QR code as the balancer would make it: naming {@code node}'s device port. */
    private static BufferedImage linkingTo(TestHub node, BufferedImage shown) throws Exception {
        ClaimCode code = ClaimCode.parse(new QrScanner().scan(shown).orElseThrow());
        ClaimCode rewritten = new ClaimCode(
                code.ticket(),
                code.caFingerprint(),
                code.ownerKeyFingerprint(),
                node.bean(HubPorts.class).deviceLinkUrl());
        return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(QrCodes.png(rewritten.format()))));
    }

    private static String claimState(BrowserClient browser, String handle) {
        BrowserClient.Response status = browser.get("/api/claims/" + handle);
        return status.status() == 200 ? status.json().get("state").stringValue() : "status " + status.status();
    }

    private static String origin(TestHub node) {
        String url = node.browserUrl().toString();
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static String nonce(BrowserClient browser, String deviceId) {
        BrowserClient.Response response = browser.postJson("/api/devices/" + deviceId + "/door/nonce", Map.of());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json().get("nonce").stringValue();
    }

    private static BrowserClient.Response open(BrowserClient browser, String deviceId, String statement) {
        return browser.postJson(
                "/api/devices/" + deviceId + "/door/open",
                Map.of(
                        "statement", statement,
                        "signature", browser.signWithClientKey(statement),
                        "signerPublicKey", browser.clientPublicKey()));
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** What a member's doorbell list says of the doorbell's link. */
    private static boolean onlineInList(BrowserClient browser, String deviceId) {
        BrowserClient.Response list = browser.get("/api/devices");
        assertThat(list.status()).isEqualTo(200);
        for (var device : list.json()) {
            if (device.get("id").stringValue().equals(deviceId)) {
                return device.get("online").booleanValue();
            }
        }
        throw new AssertionError("the doorbell is not in the list: " + list.body());
    }

    private static void waitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        assertThat(condition.getAsBoolean()).as("in time").isTrue();
    }
}
