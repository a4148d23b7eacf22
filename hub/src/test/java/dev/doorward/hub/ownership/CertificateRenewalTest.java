package dev.doorward.hub.ownership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Certificates;
import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.pki.Pem;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.identity.DeviceIdentity;
import dev.doorward.device.identity.DeviceLayout;
import dev.doorward.device.link.LinkState;
import dev.doorward.device.ownership.OwnershipStore;
import dev.doorward.hub.device.Devices;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.RawDeviceLink;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.ProtocolException;
import dev.doorward.protocol.testing.MutableClock;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operational certificates are short-lived and renewed over the link. A copy of an old certificate stops
 * working once the doorbell has used its new one; a renewal answer the doorbell never stored does not lock it out.
 */
class CertificateRenewalTest {
    private static final String RENEW = "{\"v\":1,\"type\":\"renew-certificate\",\"body\":{}}";

    @TempDir
    static Path dir;

    static TestHub hub;
    static Household owner;

    @BeforeAll
    static void start() {
        hub = TestHub.start(dir, Map.of("doorward.open-signup", "true")); // a stranger's household too
        owner = Household.firstOwner(hub);
    }

    @AfterAll
    static void stop() {
        hub.close();
    }

    @Test
    void aRenewedCertificateReplacesTheOldOneOnceUsed() {
        MintedDevice minted = hub.mintDevice("front");
        MutableClock doorbellClock = MutableClock.startingNow();
        DeviceAgent doorbell =
                owner.claim(hub.startDevice(minted, c -> c.withClock(doorbellClock)), minted.setupCode());
        String deviceId = doorbell.deviceId().orElseThrow();
        Devices devices = hub.bean(Devices.class);
        String firstSerial = devices.byId(deviceId).orElseThrow().certificateSerial();
        Credential firstCredential = operationalCredential(minted.deviceDir());

        // Four of its seven days later the doorbell asks for a new certificate at its next connection. The hub
        // goes away first: on a link that stays up the doorbell's periodic check could renew (and then reconnect
        // with the new certificate, which retires the old one) before the test looks.
        hub.stop();
        doorbellClock.advance(Duration.ofDays(4));
        hub.restart();
        assertThat(doorbell.awaitLinkState(LinkState.CONNECTED, Duration.ofSeconds(20)))
                .isTrue();
        awaitSerialChange(hub, deviceId, firstSerial);
        Devices.Device renewed = hub.bean(Devices.class).byId(deviceId).orElseThrow();
        assertThat(renewed.previousCertificateSerial()).isEqualTo(firstSerial);
        // The hub records the new certificate before its answer reaches the doorbell. The old credential's link
        // below replaces the doorbell's link (same device): wait until the doorbell has stored the answer, or
        // that link would close before it arrives (seen once in the suite).
        awaitStored(minted.deviceDir(), renewed.certificateSerial());
        // Back to the hub's time, so the fresh certificate does not look half-used to the doorbell.
        doorbellClock.advance(Duration.ofDays(-4));

        // Until the new certificate is used, the old one still works (a renewal the doorbell lost
        // must not lock it out) ...
        try (RawDeviceLink old = RawDeviceLink.connect(hub, firstCredential)) {
            assertThat(old.exchange(hello())).contains("welcome");
        }
        // ... the doorbell reconnects with the new one ...
        hub.restart();
        assertThat(doorbell.awaitLinkState(LinkState.CONNECTED, Duration.ofSeconds(20)))
                .isTrue();
        awaitPreviousForgotten(hub, deviceId);
        assertThat(doorbell.pressButton()).isPresent();
        // ... and from then on a copy of the old certificate is refused.
        try (RawDeviceLink old = RawDeviceLink.connect(hub, firstCredential)) {
            assertThat(old.awaitClosed(Duration.ofSeconds(5))).isTrue();
        }
        doorbell.close();
    }

    @Test
    void aDoorbellWhoseRenewalAnswerWasLostRenewsWithItsPreviousCertificate() {
        MintedDevice minted = hub.mintDevice("lost-answer");
        DeviceAgent doorbell = owner.claim(hub, minted);
        String deviceId = doorbell.deviceId().orElseThrow();
        Credential previous = operationalCredential(minted.deviceDir());
        String previousSerial = serial(previous.certificate());
        doorbell.close();

        // The hub renews, but the doorbell dies before it stores the answer: the answer is only in this test's hands.
        X509Certificate lost;
        try (RawDeviceLink link = RawDeviceLink.connect(hub, previous)) {
            assertThat(link.exchange(hello())).contains("welcome");
            lost = renewedCertificate(link.exchange(RENEW));
        }
        Devices.Device afterLoss = devices().byId(deviceId).orElseThrow();
        assertThat(afterLoss.certificateSerial()).isEqualTo(serial(lost));
        assertThat(afterLoss.previousCertificateSerial()).isEqualTo(previousSerial);
        assertThat(serial(operationalCredential(minted.deviceDir()).certificate()))
                .isEqualTo(previousSerial);

        // Four days on, the doorbell powers up with its previous certificate, now past half its life: it connects,
        // asks again, and gets a new certificate instead of "renew with your newest certificate".
        MutableClock later = MutableClock.startingNow();
        later.advance(Duration.ofDays(4));
        DeviceAgent poweredUp = hub.startDevice(minted, c -> c.withClock(later));
        assertThat(poweredUp.awaitLinkState(LinkState.CONNECTED, Duration.ofSeconds(20)))
                .isTrue();
        awaitSerialChange(hub, deviceId, serial(lost));
        Devices.Device renewed = devices().byId(deviceId).orElseThrow();
        // The never-used certificate is replaced; the one that asked stays the previous until the new one is used.
        assertThat(renewed.previousCertificateSerial()).isEqualTo(previousSerial);
        awaitStored(minted.deviceDir(), renewed.certificateSerial());
        poweredUp.close();

        // Powered up again (on the hub's time), it reads the new certificate from its storage and connects with it.
        DeviceAgent again = hub.startDevice(minted);
        assertThat(again.awaitLinkState(LinkState.CONNECTED, Duration.ofSeconds(20)))
                .isTrue();
        awaitPreviousForgotten(hub, deviceId);
        assertThat(devices().byId(deviceId).orElseThrow().certificateSerial()).isEqualTo(renewed.certificateSerial());
        assertThat(again.pressButton()).isPresent();
        again.close();

        // From then on neither the previous certificate nor the lost one is accepted.
        PrivateKey deviceKey = deviceKey(minted.deviceDir());
        for (Credential old : List.of(previous, new Credential(deviceKey, List.of(lost)))) {
            try (RawDeviceLink link = RawDeviceLink.connect(hub, old)) {
                assertThat(link.awaitClosed(Duration.ofSeconds(5))).isTrue();
                assertThat(link.closeCode()).contains(1008);
            }
        }
    }

    @Test
    void onceTheNewestWasUsedTheOlderCertificateCannotRenewOrConnect() {
        MintedDevice minted = hub.mintDevice("older");
        DeviceAgent doorbell = owner.claim(hub, minted);
        String deviceId = doorbell.deviceId().orElseThrow();
        doorbell.close(); // the raw links below speak for it
        Credential first = operationalCredential(minted.deviceDir());
        Credential second;
        try (RawDeviceLink link = RawDeviceLink.connect(hub, first)) {
            assertThat(link.exchange(hello())).contains("welcome");
            second = new Credential(deviceKey(minted.deviceDir()), List.of(renewedCertificate(link.exchange(RENEW))));
        }

        // A link that presented the first certificate while it still worked, and says hello only after the
        // doorbell has connected with the second: its renewal is refused, with the reason.
        try (RawDeviceLink stale = RawDeviceLink.connect(hub, first)) {
            try (RawDeviceLink newest = RawDeviceLink.connect(hub, second)) {
                assertThat(newest.exchange(hello())).contains("welcome");
                awaitPreviousForgotten(hub, deviceId);
            }
            assertThat(stale.exchange(hello())).contains("welcome");
            String refusal = stale.exchange(RENEW);
            assertThat(refusal).contains("\"type\":\"error\"").contains("not-allowed");
            assertThat(refusal).contains("renew with your newest certificate");
        }
        Devices.Device after = devices().byId(deviceId).orElseThrow();
        assertThat(after.certificateSerial()).isEqualTo(serial(second.certificate()));
        assertThat(after.previousCertificateSerial()).isNull();

        // A new connection with the first certificate is closed: "certificate not accepted".
        try (RawDeviceLink link = RawDeviceLink.connect(hub, first)) {
            assertThat(link.awaitClosed(Duration.ofSeconds(5))).isTrue();
            assertThat(link.closeCode()).contains(1008);
        }
        // The second still renews.
        try (RawDeviceLink link = RawDeviceLink.connect(hub, second)) {
            assertThat(link.exchange(hello())).contains("welcome");
            assertThat(link.exchange(RENEW)).contains("certificate-renewed");
        }
    }

    @Test
    void twoRenewalsAtOnceRecordOnlyOne() {
        MintedDevice minted = hub.mintDevice("two-at-once");
        DeviceAgent doorbell = owner.claim(hub, minted);
        String deviceId = doorbell.deviceId().orElseThrow();
        doorbell.close();
        Credential first = operationalCredential(minted.deviceDir());
        // Both renewals read the row before either wrote: the first one's write wins, the second changes nothing.
        Devices.Device readByBoth = devices().byId(deviceId).orElseThrow();
        try (RawDeviceLink link = RawDeviceLink.connect(hub, first)) {
            assertThat(link.exchange(hello())).contains("welcome");
            renewedCertificate(link.exchange(RENEW));
        }
        Devices.Device afterFirst = devices().byId(deviceId).orElseThrow();
        assertThat(devices()
                        .renewed(
                                readByBoth,
                                serial(first.certificate()),
                                "0123456789abcdef",
                                afterFirst.certificateExpiresAt().plusSeconds(60)))
                .isFalse();
        Devices.Device afterSecond = devices().byId(deviceId).orElseThrow();
        assertThat(afterSecond.certificateSerial()).isEqualTo(afterFirst.certificateSerial());
        assertThat(afterSecond.previousCertificateSerial()).isEqualTo(serial(first.certificate()));
        assertThat(afterSecond.certificateExpiresAt()).isEqualTo(afterFirst.certificateExpiresAt());
        // Nor does a link that connected with a certificate which is no longer the newest retire the previous.
        devices().forgetPreviousCertificate(deviceId, serial(first.certificate()));
        assertThat(devices().byId(deviceId).orElseThrow().previousCertificateSerial())
                .isEqualTo(serial(first.certificate()));
    }

    @Test
    void anOutsiderCertificateCannotRenewTheDoorbells() {
        MintedDevice minted = hub.mintDevice("outsider-target");
        DeviceAgent doorbell = owner.claim(hub, minted);
        String deviceId = doorbell.deviceId().orElseThrow();
        doorbell.close();
        Devices.Device before = devices().byId(deviceId).orElseThrow();
        PrivateKey deviceKey = deviceKey(minted.deviceDir());
        X509Certificate genuine = operationalCredential(minted.deviceDir()).certificate();

        // Another hub's CA vouching for this doorbell's id and key: the device port refuses it during TLS.
        CertificateAuthority otherHub = CertificateAuthority.create(
                CertificateKind.HUB_CA, "Doorward hub", Duration.ofDays(1), Clock.systemUTC(), new SecureRandom());
        X509Certificate forged =
                otherHub.issueOperationalCertificate(genuine.getPublicKey(), deviceId, Duration.ofDays(30));
        Credential outsider = new Credential(deviceKey, List.of(forged, otherHub.certificate()));
        assertThatThrownBy(() -> {
                    try (RawDeviceLink link = RawDeviceLink.connect(hub, outsider)) {
                        link.exchange(hello());
                        link.exchange(RENEW);
                    }
                })
                .isInstanceOf(CompletionException.class);

        // Another household's doorbell renews only its own certificate: for its own id and key.
        Household stranger = Household.signUp(hub, "stranger-" + System.nanoTime());
        MintedDevice strangersMinted = hub.mintDevice("outsider-stranger");
        DeviceAgent strangersDoorbell = stranger.claim(hub, strangersMinted);
        String strangersId = strangersDoorbell.deviceId().orElseThrow();
        strangersDoorbell.close();
        Credential strangers = operationalCredential(strangersMinted.deviceDir());
        try (RawDeviceLink link = RawDeviceLink.connect(hub, strangers)) {
            assertThat(link.exchange(hello())).contains("welcome");
            X509Certificate issued = renewedCertificate(link.exchange(RENEW));
            assertThat(Certificates.commonName(issued)).contains(strangersId);
            assertThat(issued.getPublicKey()).isEqualTo(strangers.certificate().getPublicKey());
        }

        Devices.Device after = devices().byId(deviceId).orElseThrow();
        assertThat(after.certificateSerial()).isEqualTo(before.certificateSerial());
        assertThat(after.previousCertificateSerial()).isEqualTo(before.previousCertificateSerial());
    }

    @Test
    void anOperationalCertificateTheManufacturersCaSignedOpensNoLink() throws Exception {
        MintedDevice minted = hub.mintDevice("manufacturer-forgery");
        DeviceAgent doorbell = owner.claim(hub, minted);
        String deviceId = doorbell.deviceId().orElseThrow();
        doorbell.close();
        Devices.Device before = devices().byId(deviceId).orElseThrow();
        Credential genuine = operationalCredential(minted.deviceDir());

        // Whoever held the manufacturer's key (the device port trusts that CA for factory certificates): an
        // "operational" certificate for this owned doorbell, valid longer than the recorded one, which a restored
        // hub would otherwise adopt as a renewal it forgot.
        Path ca = hub.manufacturerCaDir();
        Credential manufacturer = Credential.load(ca.resolve("ca.crt"), ca.resolve("ca.key"));
        X509Certificate forged =
                signedOperational(manufacturer, genuine.certificate().getPublicKey(), deviceId, Duration.ofDays(60));
        assertThat(Certificates.kind(forged)).isEqualTo(CertificateKind.OPERATIONAL);
        Credential forgery = new Credential(deviceKey(minted.deviceDir()), List.of(forged, manufacturer.certificate()));
        try (RawDeviceLink link = RawDeviceLink.connect(hub, forgery)) {
            assertThat(link.awaitClosed(Duration.ofSeconds(5))).isTrue();
            assertThat(link.closeCode()).contains(1008);
        }
        Devices.Device after = devices().byId(deviceId).orElseThrow();
        assertThat(after.certificateSerial()).isEqualTo(before.certificateSerial());
        assertThat(after.certificateExpiresAt()).isEqualTo(before.certificateExpiresAt());

        // The doorbell's own certificate from this hub still opens its link.
        try (RawDeviceLink link = RawDeviceLink.connect(hub, genuine)) {
            assertThat(link.exchange(hello())).contains("welcome");
        }
    }

    /** What a forger with a CA's key could make: Doorward's operational form, signed by that CA. */
    private static X509Certificate signedOperational(
            Credential issuer, java.security.PublicKey key, String deviceId, Duration validity) throws Exception {
        java.time.Instant now = java.time.Instant.now();
        org.bouncycastle.asn1.x500.X500Name subject = new org.bouncycastle.asn1.x500.X500NameBuilder(
                        org.bouncycastle.asn1.x500.style.BCStyle.INSTANCE)
                .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.O, "Doorward")
                .addRDN(
                        org.bouncycastle.asn1.x500.style.BCStyle.OU,
                        CertificateKind.OPERATIONAL.organizationalUnit().orElseThrow())
                .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.CN, deviceId)
                .build();
        var builder = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(
                        issuer.certificate(),
                        new java.math.BigInteger(128, new SecureRandom()),
                        java.util.Date.from(now.minusSeconds(60)),
                        java.util.Date.from(now.plus(validity)),
                        subject,
                        key)
                .addExtension(
                        org.bouncycastle.asn1.x509.Extension.basicConstraints,
                        true,
                        new org.bouncycastle.asn1.x509.BasicConstraints(false))
                .addExtension(
                        org.bouncycastle.asn1.x509.Extension.extendedKeyUsage,
                        false,
                        new org.bouncycastle.asn1.x509.ExtendedKeyUsage(
                                org.bouncycastle.asn1.x509.KeyPurposeId.id_kp_clientAuth));
        var signer = new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                .build(issuer.privateKey());
        return new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    static Devices devices() {
        return hub.bean(Devices.class);
    }

    static String serial(X509Certificate certificate) {
        return certificate.getSerialNumber().toString(16);
    }

    static PrivateKey deviceKey(Path deviceDir) {
        return DeviceIdentity.load(deviceDir).credential().privateKey();
    }

    /** The certificate in a {@code certificate-renewed} answer. */
    static X509Certificate renewedCertificate(String answer) {
        try {
            LinkMessage.FromHub message = LinkCodec.decodeFromHub(answer);
            assertThat(message).as(answer).isInstanceOf(LinkMessage.CertificateRenewed.class);
            return Pem.parseCertificate(((LinkMessage.CertificateRenewed) message).operationalCertificatePem());
        } catch (ProtocolException e) {
            throw new AssertionError(answer, e);
        }
    }

    static Credential operationalCredential(Path deviceDir) {
        DeviceIdentity identity = DeviceIdentity.load(deviceDir);
        return new OwnershipStore(new DeviceLayout(deviceDir).protectedDir())
                .load()
                .operationalCredential(identity.credential().privateKey());
    }

    static String hello() {
        return "{\"v\":1,\"type\":\"hello\",\"body\":{\"versions\":[1],\"agent\":\"test\",\"mode\":\"normal\"}}";
    }

    static void awaitSerialChange(TestHub hub, String deviceId, String from) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!hub.bean(Devices.class)
                    .byId(deviceId)
                    .orElseThrow()
                    .certificateSerial()
                    .equals(from)) {
                return;
            }
            PhysicalResetTest.pause();
        }
        throw new AssertionError("the certificate was never renewed");
    }

    static void awaitStored(Path deviceDir, String serial) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (operationalCredential(deviceDir)
                        .certificate()
                        .getSerialNumber()
                        .toString(16)
                        .equals(serial)) {
                    return;
                }
            } catch (RuntimeException e) {
                // read while the doorbell was writing it: look again
            }
            PhysicalResetTest.pause();
        }
        throw new AssertionError("the doorbell never stored its renewed certificate");
    }

    static void awaitPreviousForgotten(TestHub hub, String deviceId) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (hub.bean(Devices.class).byId(deviceId).orElseThrow().previousCertificateSerial() == null) {
                return;
            }
            PhysicalResetTest.pause();
        }
        throw new AssertionError("the doorbell never connected with its new certificate");
    }
}
