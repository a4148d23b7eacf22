package dev.doorward.device;

import static dev.doorward.device.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Pem;
import dev.doorward.device.factory.Factory;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.identity.DeviceIdentity;
import dev.doorward.device.identity.DeviceLayout;
import dev.doorward.device.link.LinkState;
import dev.doorward.device.ownership.Ownership;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.device.ownership.OwnershipStore;
import dev.doorward.protocol.ClaimCode;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkMessage.CertificateRenewed;
import dev.doorward.protocol.LinkMessage.DeviceEvent;
import dev.doorward.protocol.LinkMessage.LinkError;
import dev.doorward.protocol.LinkMessage.RenewCertificate;
import dev.doorward.protocol.LinkMessage.ResetVeto;
import dev.doorward.protocol.testing.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Physical reset with cooling-off, the owner's veto, the end of the cooling-off period and operational
 * certificate renewal, through the whole agent over real mutual TLS against the test hub. Time moves on the
 * mutable clock; {@link DeviceAgent#tickNow()} runs the clock rules without waiting for the timer.
 */
class DeviceResetAndRenewalTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration COOLING_OFF = DeviceConfig.DEFAULT_COOLING_OFF;

    @TempDir
    Path temp;

    private final MutableClock clock = new MutableClock(Instant.now());
    private final SecureRandom random = new SecureRandom();
    private MintedDevice minted;
    private TestHub hub;
    private DeviceAgent agent;

    @BeforeEach
    void setUp() throws Exception {
        minted = Factory.mint(temp.resolve("ca"), temp.resolve("device"), clock, random);
        hub = new TestHub(DeviceIdentity.load(minted.deviceDir()).manufacturerCa(), clock, random);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (agent != null) {
            agent.close();
        }
        hub.close();
    }

    private DeviceAgent start() {
        return DeviceAgent.start(DeviceConfig.of(minted.deviceDir())
                .withClock(clock)
                .withRandom(random)
                .withScanInterval(Duration.ofMillis(20))
                .withReconnect(Duration.ofMillis(10), Duration.ofMillis(100)));
    }

    private void claim() {
        showClaimCode();
        assertThat(agent.awaitOwnership(OwnershipState.OWNED, WAIT))
                .as(() -> "claimed within " + WAIT + "; the hub saw " + hub.seen())
                .isTrue();
        agent.camera().clearShown();
        assertThat(agent.awaitLinkState(LinkState.CONNECTED, WAIT)).isTrue();
    }

    private ClaimCode showClaimCode() {
        ClaimCode code = hub.issueTicket(minted.setupCode(), RandomIds.newSecret());
        agent.camera().show(TestQr.qr(code.format()));
        return code;
    }

    private DeviceLayout layout() {
        return new DeviceLayout(minted.deviceDir());
    }

    private Ownership stored() {
        return new OwnershipStore(layout().protectedDir()).load();
    }

    private void awaitEvents(EventKind kind, int count) {
        eventually(WAIT, () -> hub.events(kind).size() >= count);
    }

    /**
     * Waits until the doorbell has the hub's acknowledgement of every event it sent: an event unanswered when the
     * test clock jumps past {@code EventDelivery.ACK_TIMEOUT} is rightly sent again (the real hub drops repeats).
     */
    private void awaitAcknowledged() {
        eventually(WAIT, () -> agent.pendingEvents() == 0);
    }

    /**
     * Waits until the device has handled everything the hub sent so far: a message it must refuse, whose
     * refusal comes back after everything sent before it.
     */
    private void fence() {
        int before = hub.received(LinkError.class).size();
        hub.sendToDevice(new CertificateRenewed(Pem.certificate(hub.hubCa.certificate())));
        eventually(WAIT, () -> hub.received(LinkError.class).size() > before);
    }

    private static void wipe(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    // ---- physical reset

    @Test
    void aResetHoldOnAnOwnedDeviceStartsTheCoolingOffAndTellsTheOwnerAtOnce() throws Exception {
        agent = start();
        claim();
        String deviceId = agent.deviceId().orElseThrow();
        Instant deadline = clock.instant().plus(COOLING_OFF);

        assertThat(agent.holdButton(Duration.ofSeconds(20))).isFalse();

        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.RESET_PENDING);
        assertThat(agent.resetDeadline()).contains(deadline);
        assertThat(stored().resetDeadline()).contains(deadline);
        awaitEvents(EventKind.RESET_PENDING, 1);
        assertThat(hub.events(EventKind.RESET_PENDING).get(0).detail()).isEqualTo("until=" + deadline.toEpochMilli());
        awaitAcknowledged();
        assertThat(agent.pairingWindowOpen()).isFalse();
        assertThat(hub.events(EventKind.PAIRING_MODE)).isEmpty();

        // Still fully owned: it rings its hub over the same link.
        String ring = agent.pressButton().orElseThrow();
        eventually(
                WAIT,
                () -> hub.events(EventKind.RING).stream()
                        .anyMatch(e -> e.eventId().equals(ring)));
        assertThat(agent.linkState()).isEqualTo(LinkState.CONNECTED);

        // And it still refuses every claim code, even from someone who knows the setup code.
        assertThat(agent.holdButton(Duration.ofSeconds(5))).isTrue();
        try (TestHub foreign =
                new TestHub(DeviceIdentity.load(minted.deviceDir()).manufacturerCa(), clock, random)) {
            agent.camera()
                    .show(TestQr.qr(foreign.issueTicket(minted.setupCode(), "-").format()));
            awaitEvents(EventKind.CLAIM_REFUSED, 1);
            assertThat(foreign.connections.get()).isZero();
        }
        agent.camera().clearShown();
        awaitAcknowledged();

        // A second reset, later, neither extends nor shortens the deadline.
        clock.advance(Duration.ofHours(5));
        assertThat(agent.pressResetPin()).contains(deadline);
        assertThat(agent.holdButton(Duration.ofSeconds(30))).isFalse();
        assertThat(agent.resetDeadline()).contains(deadline);
        awaitEvents(EventKind.RESET_PENDING, 3);
        assertThat(hub.events(EventKind.RESET_PENDING))
                .extracting(DeviceEvent::detail)
                .containsOnly("until=" + deadline.toEpochMilli());
        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.RESET_PENDING);
        assertThat(agent.deviceId()).contains(deviceId);
    }

    @Test
    void theResetPinWorksLikeAResetHoldAndAConfiguredHoldAndCoolingOffApply() {
        agent = DeviceAgent.start(DeviceConfig.of(minted.deviceDir())
                .withClock(clock)
                .withRandom(random)
                .withScanInterval(Duration.ofMillis(20))
                .withReconnect(Duration.ofMillis(10), Duration.ofMillis(100))
                .withResetHold(Duration.ofSeconds(8))
                .withCoolingOff(Duration.ofHours(1)));
        claim();

        assertThat(agent.holdButton(Duration.ofSeconds(7))).isTrue(); // a pairing hold
        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.OWNED);
        assertThat(agent.holdButton(Duration.ofSeconds(8))).isFalse();
        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.RESET_PENDING);
        assertThat(agent.resetDeadline()).contains(clock.instant().plus(Duration.ofHours(1)));
    }

    @Test
    void aResetOfAFactoryNewDeviceOnlyOpensItsPairingWindow() {
        agent = start();
        clock.advance(Duration.ofMinutes(10));
        assertThat(agent.pairingWindowOpen()).isFalse();

        assertThat(agent.holdButton(Duration.ofSeconds(20))).isTrue();
        assertThat(agent.pairingWindowOpen()).isTrue();
        clock.advance(Duration.ofMinutes(10));
        assertThat(agent.pressResetPin()).isEmpty();
        assertThat(agent.pairingWindowOpen()).isTrue();

        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.FACTORY_NEW);
        assertThat(agent.resetDeadline()).isEmpty();
        assertThat(agent.pendingEvents()).isZero();
        assertThat(stored()).isEqualTo(Ownership.factoryNew());
        // The window it opened works: the device can be claimed. (Only the claim: the clock is ahead of the
        // TLS stack's, so the new operational certificate is not valid for a real handshake yet.)
        showClaimCode();
        assertThat(agent.awaitOwnership(OwnershipState.OWNED, WAIT)).isTrue();
    }

    // ---- veto

    @Test
    void theOwnersVetoCancelsThePendingResetAndFlagsTheDevice() {
        agent = start();
        claim();
        agent.pressResetPin();
        awaitEvents(EventKind.RESET_PENDING, 1);
        awaitAcknowledged(); // else the clock's jump would make the doorbell send it again, as it should
        clock.advance(Duration.ofHours(71));

        hub.sendToDevice(new ResetVeto());

        assertThat(agent.awaitOwnership(OwnershipState.OWNED, WAIT)).isTrue();
        awaitEvents(EventKind.RESET_CANCELLED, 1);
        awaitAcknowledged();
        assertThat(agent.resetDeadline()).isEmpty();
        assertThat(stored().state()).isEqualTo(OwnershipState.OWNED);
        assertThat(stored().flagged()).isTrue();
        assertThat(stored().vetoedAt()).isEqualTo(clock.instant());

        // The old deadline passing changes nothing.
        clock.advance(Duration.ofHours(2));
        agent.tickNow();
        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.OWNED);

        // A veto with no reset pending is ignored.
        hub.sendToDevice(new ResetVeto());
        fence();
        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.OWNED);
        assertThat(hub.events(EventKind.RESET_CANCELLED)).hasSize(1);
    }

    @Test
    void aVetoOfAnOwnedDeviceWithNoResetPendingIsIgnored() {
        agent = start();
        claim();

        hub.sendToDevice(new ResetVeto());
        fence();

        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.OWNED);
        assertThat(stored().flagged()).isFalse();
        assertThat(hub.events(EventKind.RESET_CANCELLED)).isEmpty();
    }

    // ---- end of the cooling-off period

    @Test
    void whenTheCoolingOffEndsTheDeviceReportsItWipesItselfAndCanBeClaimedAgain() throws Exception {
        agent = start();
        claim();
        String deviceId = agent.deviceId().orElseThrow();
        Files.writeString(layout().dataDir().resolve("snapshot.jpg"), "someone at the door");
        hub.ackEvents = false;
        agent.pressButton(); // stays in the outbox: wiped with the rest
        awaitEvents(EventKind.RING, 1);
        hub.ackEvents = true;
        agent.pressResetPin();
        awaitEvents(EventKind.RESET_PENDING, 1);
        eventually(WAIT, () -> agent.pendingEvents() == 1); // the ring nobody acknowledged

        clock.advance(COOLING_OFF.minusSeconds(1));
        agent.tickNow();
        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.RESET_PENDING);

        clock.advance(Duration.ofSeconds(1));
        agent.tickNow();

        assertThat(agent.awaitOwnership(OwnershipState.FACTORY_NEW, WAIT)).isTrue();
        assertThat(hub.events(EventKind.RESET_COMPLETED)).hasSize(1);
        assertThat(agent.deviceId()).isEmpty();
        assertThat(agent.resetDeadline()).isEmpty();
        assertThat(agent.pairingWindowOpen()).isTrue();
        assertThat(agent.awaitLinkState(LinkState.DISCONNECTED, WAIT)).isTrue();
        // Owner, hub CA, operational certificate and device id are gone from the protected store ...
        assertThat(stored()).isEqualTo(Ownership.factoryNew());
        // ... the data directory is wiped ...
        assertThat(agent.pendingEvents()).isZero();
        assertThat(layout().dataDir().resolve("snapshot.jpg")).doesNotExist();
        try (Stream<Path> left = Files.walk(layout().dataDir())) {
            assertThat(left.filter(Files::isRegularFile)).isEmpty();
        }
        // ... and the factory identity stays.
        DeviceIdentity identity = DeviceIdentity.load(minted.deviceDir());
        assertThat(identity.serial()).isEqualTo(minted.serial());

        // Anyone holding the setup code can claim it now. (Only the claim: the clock is three days ahead of
        // the TLS stack's, so the new operational certificate is not valid for a real handshake yet.)
        showClaimCode();
        assertThat(agent.awaitOwnership(OwnershipState.OWNED, WAIT)).isTrue();
        assertThat(agent.deviceId()).isPresent().get().isNotEqualTo(deviceId);
    }

    @Test
    void theTimerEndsTheCoolingOffWithoutBeingAsked() {
        agent = start();
        claim();
        agent.pressResetPin();
        awaitEvents(EventKind.RESET_PENDING, 1);

        clock.advance(COOLING_OFF);

        assertThat(agent.awaitOwnership(OwnershipState.FACTORY_NEW, WAIT)).isTrue();
        assertThat(hub.events(EventKind.RESET_COMPLETED)).hasSize(1);
    }

    @Test
    void aVetoAfterTheDeadlineIsTooLate() {
        agent = start();
        claim();
        agent.pressResetPin();
        awaitEvents(EventKind.RESET_PENDING, 1);
        hub.ackEvents = false; // the completing reset waits for the ack: the veto arrives meanwhile
        clock.advance(COOLING_OFF);
        agent.tickNow();
        awaitEvents(EventKind.RESET_COMPLETED, 1);

        hub.sendToDevice(new ResetVeto());
        fence();
        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.RESET_PENDING);

        // The hub reconnects and acknowledges the resent RESET_COMPLETED: the reset goes through.
        hub.ackEvents = true;
        hub.dropAll();
        assertThat(agent.awaitOwnership(OwnershipState.FACTORY_NEW, WAIT)).isTrue();
        assertThat(hub.events(EventKind.RESET_CANCELLED)).isEmpty();
    }

    // ---- restarts

    @Test
    void aRestartKeepsThePendingResetAndItsDeadlineEvenWithTheDataWiped() throws Exception {
        agent = start();
        claim();
        Instant deadline = agent.pressResetPin().orElseThrow();
        awaitEvents(EventKind.RESET_PENDING, 1);
        agent.close();
        wipe(layout().dataDir()); // a user-level reset

        agent = start();

        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.RESET_PENDING);
        assertThat(agent.resetDeadline()).contains(deadline);
        assertThat(agent.awaitLinkState(LinkState.CONNECTED, WAIT)).isTrue();
        assertThat(agent.pairingWindowOpen()).isFalse();
        clock.advance(Duration.ofHours(70));
        agent.tickNow();
        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.RESET_PENDING);
        assertThat(agent.resetDeadline()).contains(deadline);
    }

    @Test
    void aRestartAfterTheDeadlineCompletesTheReset() {
        agent = start();
        claim();
        agent.pressResetPin();
        awaitEvents(EventKind.RESET_PENDING, 1);
        agent.close();
        clock.advance(COOLING_OFF.plusHours(1)); // the deadline passed while the device was off

        agent = start();

        assertThat(agent.awaitOwnership(OwnershipState.FACTORY_NEW, WAIT)).isTrue();
        // It told the hub first: the link came up long enough to deliver it.
        assertThat(hub.events(EventKind.RESET_COMPLETED)).hasSize(1);
        assertThat(stored()).isEqualTo(Ownership.factoryNew());
        assertThat(agent.pairingWindowOpen()).isTrue();
    }

    @Test
    void aRestartAfterTheDeadlineWithTheHubDownStillCompletesTheReset() throws Exception {
        agent = start();
        claim();
        agent.pressResetPin();
        awaitEvents(EventKind.RESET_PENDING, 1);
        agent.close();
        hub.close();
        clock.advance(COOLING_OFF);

        agent = start();

        // Waits a few seconds for a hub that never answers, never longer.
        assertThat(agent.awaitOwnership(OwnershipState.FACTORY_NEW, WAIT)).isTrue();
        assertThat(stored()).isEqualTo(Ownership.factoryNew());
        assertThat(agent.pendingEvents()).isZero();
    }

    // ---- operational certificate renewal

    @Test
    void aCertificatePastHalfItsLifeIsRenewedAndTheNextConnectionPresentsTheNewOne() {
        // Four minutes (plus the issuer's five minutes of back-dating): past half its life from the start.
        hub.operationalValidity = Duration.ofMinutes(4);
        agent = start();
        claim();
        X509Certificate original = hub.normalPeers.get(0);

        eventually(WAIT, () -> hub.received(RenewCertificate.class).size() == 1);
        eventually(WAIT, () -> !stored().operationalCertificate().equals(original));
        X509Certificate renewed = stored().operationalCertificate();
        assertThat(renewed.getNotAfter().toInstant()).isAfter(clock.instant().plus(Duration.ofDays(300)));
        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.OWNED);

        hub.dropAll();

        eventually(WAIT, () -> hub.normalPeers.size() >= 2);
        assertThat(hub.normalPeers.get(hub.normalPeers.size() - 1)).isEqualTo(renewed);
        assertThat(agent.awaitLinkState(LinkState.CONNECTED, WAIT)).isTrue();
        fence();
        assertThat(hub.received(RenewCertificate.class)).hasSize(1); // the new one is fresh
    }

    @Test
    void aRenewalWhoseAnswerNeverCameIsAskedForAgainAtTheNextConnection() {
        hub.operationalValidity = Duration.ofMinutes(4);
        Function<X509Certificate, String> answer = hub.renewals;
        hub.renewals = null; // the answer is lost: the link drops before it arrives
        agent = start();
        claim();
        X509Certificate original = hub.normalPeers.get(0);
        eventually(WAIT, () -> hub.received(RenewCertificate.class).size() == 1);
        assertThat(stored().operationalCertificate()).isEqualTo(original);

        hub.renewals = answer;
        hub.dropAll();

        // It still holds the old certificate, connects with it and asks again; the answer is stored ...
        eventually(WAIT, () -> hub.received(RenewCertificate.class).size() == 2);
        assertThat(hub.normalPeers.get(1)).isEqualTo(original);
        eventually(WAIT, () -> !stored().operationalCertificate().equals(original));
        X509Certificate renewed = stored().operationalCertificate();
        // ... and the next connection presents what is on disk.
        hub.dropAll();
        eventually(WAIT, () -> hub.normalPeers.size() >= 3);
        assertThat(hub.normalPeers.get(hub.normalPeers.size() - 1)).isEqualTo(renewed);
    }

    @Test
    void aConnectedDeviceChecksItsCertificateEveryDay() {
        agent = start();
        claim();
        X509Certificate original = stored().operationalCertificate();
        fence();
        assertThat(hub.received(RenewCertificate.class)).isEmpty();

        clock.advance(Duration.ofDays(100));
        agent.tickNow();
        fence();
        assertThat(hub.received(RenewCertificate.class)).isEmpty();

        clock.advance(Duration.ofDays(90)); // now past half of its 365 days
        agent.tickNow();
        eventually(WAIT, () -> hub.received(RenewCertificate.class).size() == 1);
        eventually(WAIT, () -> !stored().operationalCertificate().equals(original));

        // Once checked, not again until the next day.
        agent.tickNow();
        fence();
        assertThat(hub.received(RenewCertificate.class)).hasSize(1);
    }

    @Test
    void aBadRenewedCertificateIsRefusedAndNotStored() {
        agent = start();
        claim();
        X509Certificate original = stored().operationalCertificate();
        PublicKey deviceKey = DeviceIdentity.load(minted.deviceDir())
                .credential()
                .certificate()
                .getPublicKey();
        String deviceId = agent.deviceId().orElseThrow();
        List<X509Certificate> bad = List.of(
                hub.hubCa.issueOperationalCertificate(
                        KeyPairs.newP256(random).getPublic(), deviceId, Duration.ofDays(365)),
                TestPki.hubCa(clock, random).issueOperationalCertificate(deviceKey, deviceId, Duration.ofDays(365)),
                hub.hubCa.issueOperationalCertificate(deviceKey, RandomIds.newId(random), Duration.ofDays(365)));

        for (X509Certificate certificate : bad) {
            int errors = hub.received(LinkError.class).size();
            hub.sendToDevice(new CertificateRenewed(Pem.certificate(certificate)));
            eventually(WAIT, () -> hub.received(LinkError.class).size() == errors + 1);
            assertThat(stored().operationalCertificate()).isEqualTo(original);
        }

        // The next connection still presents the original.
        hub.dropAll();
        eventually(WAIT, () -> hub.normalPeers.size() >= 2);
        assertThat(hub.normalPeers.get(hub.normalPeers.size() - 1)).isEqualTo(original);
        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.OWNED);
    }

    @Test
    void aRenewalAnsweredWithACertificateForAnotherKeyIsRefused() {
        hub.operationalValidity = Duration.ofMinutes(4);
        hub.renewals = peer -> Pem.certificate(hub.hubCa.issueOperationalCertificate(
                KeyPairs.newP256(random).getPublic(),
                dev.doorward.crypto.pki.Certificates.commonName(peer).orElseThrow(),
                Duration.ofDays(365)));
        agent = start();
        claim();
        X509Certificate original = hub.normalPeers.get(0);

        eventually(WAIT, () -> hub.received(RenewCertificate.class).size() == 1);
        eventually(WAIT, () -> hub.received(LinkError.class).size() == 1);
        assertThat(stored().operationalCertificate()).isEqualTo(original);
    }
}
