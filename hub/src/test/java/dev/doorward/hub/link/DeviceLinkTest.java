package dev.doorward.hub.link;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.setup.SetupProof;
import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.identity.DeviceIdentity;
import dev.doorward.device.pairing.QrScanner;
import dev.doorward.hub.device.Devices;
import dev.doorward.hub.pki.HubPki;
import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.RawDeviceLink;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.ClaimCode;
import dev.doorward.protocol.ErrorCode;
import dev.doorward.protocol.Limits;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.MediaPart;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The device port: who may connect (mutual TLS, only our CAs) and what a connected device may send (every
 * message validated; bad ones answered with a clear error, never taking the link handling down).
 */
class DeviceLinkTest {
    @TempDir
    static Path dir;

    static TestHub hub;
    static Household owner;
    static MintedDevice probe;
    static String probeId;
    static MintedDevice bystander;
    static DeviceAgent bystanderAgent;

    @BeforeAll
    static void start() {
        hub = TestHub.start(dir);
        owner = Household.firstOwner(hub);
        probe = hub.mintDevice("probe");
        DeviceAgent claimed = owner.claim(hub, probe);
        probeId = claimed.deviceId().orElseThrow();
        claimed.close(); // the raw tests below speak for it
        bystander = hub.mintDevice("bystander");
        bystanderAgent = owner.claim(hub, bystander);
    }

    /**
     * Every test here connects as the probe: without this, which test meets the limit of 10 connections a minute
     * per doorbell would depend on the order the tests happen to run in.
     */
    @BeforeEach
    void freshConnectAllowance() {
        hub.bean(RateLimiter.class).reset(RateLimit.DEVICE_CONNECTS, "device:" + probeId);
    }

    @AfterAll
    static void stop() {
        hub.close();
    }

    // ---- who may connect

    @Test
    void aGenuineDeviceCertificateIsAcceptedOnTheDevicePort() throws Exception {
        Credential factory = DeviceIdentity.load(probe.deviceDir()).credential();
        assertThat(httpOverTls(hub.devicePort(), TlsContexts.client(factory, hub.hubCaCertificate())))
                .startsWith("HTTP/1.1");
    }

    @Test
    void noClientCertificateIsRefused() throws Exception {
        assertThat(httpOverTls(hub.devicePort(), TlsContexts.client(null, hub.hubCaCertificate())))
                .isEmpty();
    }

    @Test
    void aSelfSignedCertificateCarryingARealSerialIsRefused() throws Exception {
        // A "manufacturer CA" of the attacker's own, issuing a device certificate for the real serial.
        CertificateAuthority fake = CertificateAuthority.create(
                CertificateKind.MANUFACTURER_CA,
                "Doorward manufacturer",
                Duration.ofDays(1),
                Clock.systemUTC(),
                new SecureRandom());
        KeyPair keys = KeyPairs.newP256(new SecureRandom());
        X509Certificate forged = fake.issueDeviceCertificate(keys.getPublic(), probe.serial(), Duration.ofDays(1));
        assertThat(httpOverTls(
                        hub.devicePort(),
                        TlsContexts.client(
                                new Credential(keys.getPrivate(), List.of(forged, fake.certificate())),
                                hub.hubCaCertificate())))
                .isEmpty();
        // And the bare self-signed CA certificate itself as the client certificate.
        CertificateAuthority selfSigned = CertificateAuthority.create(
                CertificateKind.MANUFACTURER_CA,
                probe.serial(),
                Duration.ofDays(1),
                Clock.systemUTC(),
                new SecureRandom());
        Path caDir = dir.resolve("self-signed");
        selfSigned.save(caDir);
        Credential selfSignedCredential = Credential.load(caDir.resolve("ca.crt"), caDir.resolve("ca.key"));
        assertThat(httpOverTls(hub.devicePort(), TlsContexts.client(selfSignedCredential, hub.hubCaCertificate())))
                .isEmpty();
    }

    @Test
    void theBrowserPortNeverAsksForACertificate() throws Exception {
        Credential factory = DeviceIdentity.load(probe.deviceDir()).credential();
        SSLContext context = TlsContexts.client(factory, hub.hubCaCertificate());
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", hub.browserPort())) {
            socket.setSSLParameters(TlsContexts.parameters());
            socket.startHandshake();
            socket.getOutputStream()
                    .write("GET /api/session HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes());
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 200");
            // Had the server asked, the client would have sent its certificate.
            assertThat(socket.getSession().getLocalCertificates()).isNull();
        }
    }

    @Test
    void theDeviceLinkIsNotServedOnTheBrowserPortAndNothingElseOnTheDevicePort() throws Exception {
        // The browser port knows nothing of /link: it answers as for any path that does not exist.
        int unknownPath = hub.browser().get("/no-such-path").status();
        assertThat(unknownPath).isIn(401, 404);
        assertThat(hub.browser().get("/link").status()).isEqualTo(unknownPath);
        Credential factory = DeviceIdentity.load(probe.deviceDir()).credential();
        assertThat(httpOverTls(hub.devicePort(), TlsContexts.client(factory, hub.hubCaCertificate()), "/api/session"))
                .startsWith("HTTP/1.1 404");
    }

    @Test
    void aFactoryCertificateMayNotActAsAnOwnedDevice() {
        try (RawDeviceLink link = RawDeviceLink.asFactoryDevice(hub, probe.deviceDir())) {
            String answer = link.exchange(hello("normal"));
            assertThat(answer).contains("\"type\":\"error\"").contains("not-allowed");
            assertThat(link.awaitClosed(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void anExpiredOperationalCertificateCannotConnect() throws Exception {
        MintedDevice expiring = hub.mintDevice("expiring");
        DeviceAgent agent = owner.claim(hub, expiring);
        String deviceId = agent.deviceId().orElseThrow();
        agent.close();
        DeviceIdentity identity = DeviceIdentity.load(expiring.deviceDir());
        // The hub issues (and records) a certificate for this device that expires at once.
        X509Certificate shortLived = hub.bean(HubPki.class)
                .issueOperationalCertificate(
                        identity.credential().certificate().getPublicKey(), deviceId, Duration.ofMillis(1));
        hub.bean(Devices.class)
                .adopted(
                        deviceId,
                        shortLived.getSerialNumber().toString(16),
                        shortLived.getNotAfter().toInstant());
        Thread.sleep(5);
        Credential expired = new Credential(identity.credential().privateKey(), List.of(shortLived));
        assertThat(httpOverTls(hub.devicePort(), TlsContexts.client(expired, hub.hubCaCertificate())))
                .isEmpty();
    }

    // ---- what a connected device may send

    @Test
    void badMessagesGetClearErrorsAndTheLinkKeepsWorking() {
        try (RawDeviceLink link = RawDeviceLink.asOwnedDevice(hub, probe.deviceDir())) {
            assertThat(link.exchange(hello("normal"))).contains("\"type\":\"welcome\"");

            assertThat(error(link.exchange("this is not json"))).isEqualTo("malformed");
            assertThat(error(link.exchange("{\"v\":1,\"type\":\"teleport\",\"body\":{}}")))
                    .isEqualTo("unknown-type");
            assertThat(error(link.exchange("{\"v\":2,\"type\":\"heartbeat\",\"body\":{\"seq\":1}}")))
                    .isEqualTo("unsupported-version");
            assertThat(error(link.exchange("{\"v\":1,\"type\":\"heartbeat\",\"body\":{\"seq\":\"one\"}}")))
                    .isEqualTo("malformed");
            assertThat(error(link.exchange("x".repeat(Limits.MAX_TEXT_MESSAGE_CHARS + 1))))
                    .isEqualTo("too-large");
            // A message only the hub may send.
            assertThat(error(link.exchange(
                            "{\"v\":1,\"type\":\"event-ack\",\"body\":{\"eventId\":\"AAAAAAAAAAAAAAAAAAAAAA\"}}")))
                    .isEqualTo("not-allowed");
            // A claim on an owned device's link.
            assertThat(error(link.exchange(
                            "{\"v\":1,\"type\":\"claim-confirm\",\"body\":{\"deviceEvidence\":\"AAAA\"}}")))
                    .isEqualTo("not-allowed");

            // Still alive and well.
            assertThat(link.exchange("{\"v\":1,\"type\":\"heartbeat\",\"body\":{\"seq\":7}}"))
                    .contains("heartbeat-ack")
                    .contains("7");
        }
        // Other devices never noticed.
        assertThat(bystanderAgent.pressButton()).isPresent();
    }

    @Test
    void aFrameFarBeyondTheLimitClosesOnlyThatConnection() {
        try (RawDeviceLink link = RawDeviceLink.asOwnedDevice(hub, probe.deviceDir())) {
            link.exchange(hello("normal"));
            // Past the socket buffer (limit + 1 KiB) but small enough to be written whole before the close:
            // a far larger message races the server's close against the client's write.
            try {
                link.send("y".repeat(Limits.MAX_TEXT_MESSAGE_CHARS + 4096));
            } catch (java.util.concurrent.CompletionException e) {
                // The hub closed the socket while the client was still writing: that is the point.
            }
            assertThat(link.awaitClosed(Duration.ofSeconds(5))).isTrue();
            // 1009 (message too big) when the close frame arrives; -1 when the write was cut off first.
            assertThat(link.closeCode().orElseThrow()).isIn(1009, -1);
        }
        try (RawDeviceLink again = RawDeviceLink.asOwnedDevice(hub, probe.deviceDir())) {
            assertThat(again.exchange(hello("normal"))).contains("welcome");
        }
    }

    @Test
    void aRepeatedEventIsAcknowledgedEachTimeAndStoredOnce() {
        String event = "{\"v\":1,\"type\":\"event\",\"body\":{\"eventId\":\"RepeatedEventId0000000\",\"kind\":\"ring\","
                + "\"occurredAt\":" + System.currentTimeMillis() + "}}";
        try (RawDeviceLink link = RawDeviceLink.asOwnedDevice(hub, probe.deviceDir())) {
            link.exchange(hello("normal"));
            assertThat(link.exchange(event)).contains("event-ack").contains("RepeatedEventId0000000");
            assertThat(link.exchange(event)).contains("event-ack").contains("RepeatedEventId0000000");
        }
        long stored = 0;
        for (var e : owner.browser()
                .get("/api/events?householdId=" + owner.householdId() + "&limit=200")
                .json()) {
            if (e.get("id").stringValue().equals("RepeatedEventId0000000")) {
                stored++;
            }
        }
        assertThat(stored).isEqualTo(1);
    }

    /** Issue 19: a detail the hub acts on but cannot read is refused for good, never "internal" forever. */
    @Test
    void poisonEventsAreInvalidFieldsNamingTheEventAndTheLinkCarriesOn() {
        try (RawDeviceLink link = RawDeviceLink.asOwnedDevice(hub, probe.deviceDir())) {
            link.exchange(hello("normal"));
            for (String[] poison : new String[][] {
                {"reset-pending", "until=x"}, {"setting-changed", "cooling-off=x"}, {"claim-refused", "ticket:x"}
            }) {
                String eventId = dev.doorward.crypto.RandomIds.newId();
                String answer = link.exchange("{\"v\":1,\"type\":\"event\",\"body\":{\"eventId\":\"" + eventId
                        + "\",\"kind\":\"" + poison[0] + "\",\"occurredAt\":" + System.currentTimeMillis()
                        + ",\"detail\":\"" + poison[1] + "\"}}");
                assertThat(error(answer)).as(poison[0]).isEqualTo("invalid-field");
            }
            assertThat(link.exchange("{\"v\":1,\"type\":\"heartbeat\",\"body\":{\"seq\":8}}"))
                    .contains("heartbeat-ack");
        }
    }

    /**
     * Issue 19: a doorbell draining its outbox after an outage sends far more than the 60 control messages per 10 s
     * a link may send; each event acknowledged before the next, 300 in a row are all stored, none refused.
     */
    @Test
    void anOutboxDrainIsNotAFlood() {
        List<String> ids = new java.util.ArrayList<>();
        try (RawDeviceLink link = RawDeviceLink.asOwnedDevice(hub, probe.deviceDir())) {
            link.exchange(hello("normal"));
            long old = System.currentTimeMillis() - Duration.ofDays(40).toMillis(); // history, not an error
            for (int i = 0; i < 300; i++) {
                String eventId = dev.doorward.crypto.RandomIds.newId();
                ids.add(eventId);
                String answer = link.exchange("{\"v\":1,\"type\":\"event\",\"body\":{\"eventId\":\"" + eventId
                        + "\",\"kind\":\"ring\",\"occurredAt\":" + (old + i) + "}}");
                assertThat(answer).as("event %d", i).contains("event-ack").contains(eventId);
            }
            assertThat(link.exchange("{\"v\":1,\"type\":\"heartbeat\",\"body\":{\"seq\":9}}"))
                    .contains("heartbeat-ack");
        }
        long count = hub.bean(org.springframework.jdbc.core.simple.JdbcClient.class)
                .sql("select count(*) from events where id in (:ids)")
                .param("ids", ids)
                .query(Long.class)
                .single();
        assertThat(count).isEqualTo(300);
    }

    /**
     * A doorbell rung more often than its rings may be announced on arrival (RateLimit.DEVICE_ARRIVALS: 20 a minute,
     * on the network thread that read them) still rings every time, and once: past the allowance, in its turn.
     */
    @Test
    void ringsPastTheArrivalAllowanceStillRingEachOnce() {
        hub.bean(RateLimiter.class).reset(RateLimit.DEVICE_ARRIVALS, probeId);
        BrowserClient.Stream stream = owner.browser().openStream();
        assertThat(stream.awaitType("hello", Duration.ofSeconds(5))).isPresent();
        List<String> pressed = new java.util.ArrayList<>();
        try (RawDeviceLink link = RawDeviceLink.asOwnedDevice(hub, probe.deviceDir())) {
            link.exchange(hello("normal"));
            for (int i = 0; i < 25; i++) {
                String eventId = dev.doorward.crypto.RandomIds.newId();
                pressed.add(eventId);
                assertThat(link.exchange("{\"v\":1,\"type\":\"event\",\"body\":{\"eventId\":\"" + eventId
                                + "\",\"kind\":\"ring\",\"occurredAt\":" + System.currentTimeMillis() + "}}"))
                        .as("ring %d", i)
                        .contains("event-ack");
            }
        }
        List<String> rung = new java.util.ArrayList<>();
        while (true) {
            var ring = stream.awaitType("ring", Duration.ofSeconds(rung.size() < pressed.size() ? 5 : 1));
            if (ring.isEmpty()) {
                break;
            }
            rung.add(ring.get().get("eventId").stringValue());
        }
        stream.close();
        assertThat(rung).containsExactlyInAnyOrderElementsOf(pressed);
    }

    /** A real flood (control messages as fast as a socket takes them) still closes that link, and only that one. */
    @Test
    void aFloodClosesOnlyThatLink() {
        try (RawDeviceLink link = RawDeviceLink.asOwnedDevice(hub, probe.deviceDir())) {
            link.exchange(hello("normal"));
            for (int i = 0; i < 400 && link.closeCode().isEmpty(); i++) {
                try {
                    link.send("{\"v\":1,\"type\":\"heartbeat\",\"body\":{\"seq\":" + i + "}}");
                } catch (RuntimeException e) {
                    break; // closed under our feet: the point
                }
            }
            assertThat(link.awaitClosed(Duration.ofSeconds(10))).isTrue();
        }
        assertThat(bystanderAgent.pressButton()).isPresent();
        try (RawDeviceLink again = RawDeviceLink.asOwnedDevice(hub, probe.deviceDir())) {
            assertThat(again.exchange(hello("normal"))).contains("welcome");
        }
    }

    @Test
    void mediaBeforeHelloIsRefusedAndTheLinkCarriesOn() {
        try (RawDeviceLink link = RawDeviceLink.asOwnedDevice(hub, probe.deviceDir())) {
            link.sendBinary(MediaPart.split(MediaPart.Kind.VIDEO, true, new byte[] {1, 2, 3})
                    .get(0));
            assertThat(error(link.next(Duration.ofSeconds(5)).orElseThrow())).isEqualTo("not-allowed");
            assertThat(link.exchange(hello("normal"))).contains("welcome");
        }
    }

    @Test
    void messagesBeforeHelloAreRefused() {
        try (RawDeviceLink link = RawDeviceLink.asOwnedDevice(hub, probe.deviceDir())) {
            assertThat(error(link.exchange("{\"v\":1,\"type\":\"heartbeat\",\"body\":{\"seq\":1}}")))
                    .isEqualTo("not-allowed");
        }
    }

    /** If the doorbell rejects the claim result, the hub must not keep the doorbell registered. */
    @Test
    void aClaimResultTheDoorbellRejectsIsUndone() throws Exception {
        MintedDevice fresh = hub.mintDevice("rejects");
        Household.ClaimQr qr = owner.startClaim(fresh.setupCode());
        ClaimCode code = ClaimCode.parse(new QrScanner().scan(qr.image()).orElseThrow());
        DeviceIdentity identity = DeviceIdentity.load(fresh.deviceDir());
        JsonMapper json = JsonMapper.builder().build();
        try (RawDeviceLink link = RawDeviceLink.asFactoryDevice(hub, fresh.deviceDir())) {
            assertThat(link.exchange(hello("claim"))).contains("welcome");
            SetupProof.DeviceSide proof = new SetupProof.DeviceSide(
                    identity.setupVerifier(),
                    identity.serial(),
                    code.ticket().getBytes(StandardCharsets.UTF_8),
                    new SecureRandom());
            var challenge = (LinkMessage.ClaimChallenge) LinkCodec.decodeFromHub(link.exchange(
                    LinkCodec.encode(LinkMessage.ClaimRequest.of(code.ticket(), proof.salt(), proof.publicValue()))));
            byte[] evidence = proof.verifyHub(challenge.hubPublicValueBytes(), challenge.hubEvidenceBytes())
                    .orElseThrow();
            String accepted = link.exchange(LinkCodec.encode(LinkMessage.ClaimConfirm.of(evidence)));
            assertThat(accepted).contains("claim-accepted");
            String deviceId =
                    json.readTree(accepted).get("body").get("deviceId").stringValue();
            assertThat(owner.browser().get("/api/devices").body()).contains(deviceId);

            link.send(LinkCodec.encode(new LinkMessage.LinkError(ErrorCode.INVALID_FIELD, "claim result refused")));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (owner.browser().get("/api/devices").body().contains(deviceId) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(owner.browser().get("/api/devices").body()).doesNotContain(deviceId);
        }
        // The doorbell can be added properly afterwards.
        owner.claim(hub, fresh).close();
    }

    // ---- helpers

    static String hello(String mode) {
        return "{\"v\":1,\"type\":\"hello\",\"body\":{\"versions\":[1],\"agent\":\"test\",\"mode\":\"" + mode + "\"}}";
    }

    static String error(String answer) {
        var json = JsonMapper.builder().build().readTree(answer);
        assertThat(json.get("type").stringValue()).as(answer).isEqualTo("error");
        return json.get("body").get("code").stringValue();
    }

    static String httpOverTls(int port, SSLContext context) throws IOException {
        return httpOverTls(port, context, "/link");
    }

    /** Sends a plain GET over TLS; returns what came back, empty when the server refused the connection. */
    static String httpOverTls(int port, SSLContext context, String path) throws IOException {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port)) {
            socket.setSSLParameters(TlsContexts.parameters());
            socket.setSoTimeout(5000);
            socket.startHandshake();
            socket.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").getBytes());
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (javax.net.ssl.SSLException | java.net.SocketException e) {
            return "";
        }
    }
}
