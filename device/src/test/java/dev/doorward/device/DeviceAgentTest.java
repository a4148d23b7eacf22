package dev.doorward.device;

import static dev.doorward.device.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.RandomIds;
import dev.doorward.device.factory.Factory;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.identity.DeviceIdentity;
import dev.doorward.device.link.LinkState;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.device.pairing.PairingWindow;
import dev.doorward.protocol.ClaimCode;
import dev.doorward.protocol.EventKind;
import dev.doorward.protocol.LinkMessage.DeviceEvent;
import dev.doorward.protocol.LinkMessage.Hello;
import dev.doorward.protocol.testing.MutableClock;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole agent over real mutual TLS against a minimal test hub. */
class DeviceAgentTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path temp;

    // Real time as the start: the hub's certificates must be valid for the JDK's TLS stack too.
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

    private DeviceConfig config() {
        return DeviceConfig.of(minted.deviceDir())
                .withClock(clock)
                .withRandom(random)
                .withScanInterval(Duration.ofMillis(20))
                .withReconnect(Duration.ofMillis(10), Duration.ofMillis(100));
    }

    private void claim() {
        ClaimCode code = hub.issueTicket(minted.setupCode(), RandomIds.newSecret());
        agent.camera().show(TestQr.qr(code.format()));
        assertThat(agent.awaitOwnership(OwnershipState.OWNED, WAIT))
                .as(() -> "claimed within " + WAIT + "; the hub saw " + hub.seen())
                .isTrue();
        agent.camera().clearShown();
        assertThat(agent.awaitLinkState(LinkState.CONNECTED, WAIT)).isTrue();
    }

    @Test
    void aFactoryNewDeviceIsClaimedWithTheRightCodeThenRingsItsHub() {
        agent = DeviceAgent.start(config());
        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.FACTORY_NEW);
        assertThat(agent.pairingWindowOpen()).isTrue();
        assertThat(agent.linkState()).isEqualTo(LinkState.DISCONNECTED);
        assertThat(agent.serial()).isEqualTo(minted.serial());

        claim();

        assertThat(agent.deviceId()).isPresent();
        assertThat(hub.claimedDevices).containsEntry(agent.deviceId().get(), minted.serial());
        assertThat(agent.pairingWindowOpen()).isFalse();
        String ring = agent.pressButton().orElseThrow();
        eventually(() -> agent.pendingEvents() == 0);
        assertThat(hub.events(EventKind.RING)).extracting(DeviceEvent::eventId).containsExactly(ring);

        // A real camera's supervisor: owners hear that the camera went offline, and why, and that it is back.
        agent.cameraStatus(false, "ffmpeg stopped (exit code 1): Server returned 401 Unauthorized");
        agent.cameraStatus(true, null);
        eventually(() -> agent.pendingEvents() == 0);
        assertThat(hub.events(EventKind.CAMERA_OFFLINE))
                .extracting(DeviceEvent::detail)
                .containsExactly("ffmpeg stopped (exit code 1): Server returned 401 Unauthorized");
        assertThat(hub.events(EventKind.CAMERA_ONLINE)).hasSize(1);
    }

    /** Issue 19: the outbox, identity, ownership record and data are the doorbell's user's alone. */
    @Test
    void theDevicesFilesAreReadableByItsOwnUserOnly() throws Exception {
        // A device directory made by an earlier version, or under a loose umask, is tightened at start.
        java.nio.file.Files.setPosixFilePermissions(
                minted.deviceDir(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        agent = DeviceAgent.start(config());
        claim();
        hub.close();
        agent.pressButton().orElseThrow();
        assertThat(agent.pendingEvents()).isEqualTo(1);

        java.util.List<Path> all;
        try (var paths = java.nio.file.Files.walk(minted.deviceDir())) {
            all = paths.toList();
        }
        assertThat(all)
                .anyMatch(p -> p.toString().contains("outbox") && p.toString().endsWith(".json"))
                .anyMatch(p -> p.getFileName().toString().equals("device.key"))
                .anyMatch(p -> p.getParent().getFileName().toString().equals("protected"));
        for (Path path : all) {
            String mode = java.nio.file.attribute.PosixFilePermissions.toString(
                    java.nio.file.Files.getPosixFilePermissions(path));
            if (java.nio.file.Files.isDirectory(path)) {
                assertThat(mode).as(path.toString()).isEqualTo("rwx------");
            } else {
                assertThat(mode).as(path.toString()).isEqualTo("rw-------");
            }
        }
    }

    @Test
    void anOwnedDeviceReconnectsToItsHubAfterARestart() {
        agent = DeviceAgent.start(config());
        claim();
        String deviceId = agent.deviceId().orElseThrow();
        agent.close();

        agent = DeviceAgent.start(config());

        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.OWNED);
        assertThat(agent.deviceId()).contains(deviceId);
        assertThat(agent.pairingWindowOpen()).isFalse();
        assertThat(agent.awaitLinkState(LinkState.CONNECTED, WAIT)).isTrue();
        assertThat(hub.received)
                .filteredOn(m -> m instanceof Hello h && h.mode().wireName().equals("normal"))
                .hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void fiveWrongCodesCloseThePairingWindowUntilTheButtonIsHeldAgain() {
        agent = DeviceAgent.start(config());
        String wrong = minted.setupCode().equals("3141592653") ? "2718281828" : "3141592653";
        for (int i = 1; i <= 5; i++) {
            ClaimCode code = hub.issueTicket(wrong, "-");
            agent.camera().show(TestQr.qr(code.format()));
            int attempts = i;
            eventually(
                    WAIT,
                    () -> hub.received.stream()
                                    .filter(m -> m instanceof dev.doorward.protocol.LinkMessage.ClaimRefused)
                                    .count()
                            == attempts);
        }
        eventually(WAIT, () -> agent.pairingState() == PairingWindow.State.LOCKED_OUT);

        // A sixth code, even the right one, is not even looked at.
        int before = hub.connections.get();
        agent.camera().show(TestQr.qr(hub.issueTicket(minted.setupCode(), "-").format()));
        assertThat(agent.awaitOwnership(OwnershipState.OWNED, Duration.ofMillis(500)))
                .isFalse();
        assertThat(hub.connections.get()).isEqualTo(before);

        assertThat(agent.holdButton(Duration.ofSeconds(5))).isTrue();
        assertThat(agent.awaitOwnership(OwnershipState.OWNED, WAIT)).isTrue();
    }

    @Test
    void thePairingWindowOfAFactoryNewDeviceClosesByTheClock() {
        agent = DeviceAgent.start(config());
        clock.advance(Duration.ofMinutes(10));

        assertThat(agent.pairingWindowOpen()).isFalse();
        assertThat(agent.pairingState()).isEqualTo(PairingWindow.State.EXPIRED);
        assertThat(agent.holdButton(Duration.ofSeconds(4))).isFalse();
        assertThat(agent.holdButton(Duration.ofSeconds(5))).isTrue();
        assertThat(agent.pairingWindowOpen()).isTrue();
    }

    @Test
    void anOwnedDeviceRefusesEveryClaimAndTellsItsOwner() throws Exception {
        agent = DeviceAgent.start(config());
        claim();
        String deviceId = agent.deviceId().orElseThrow();

        assertThat(agent.holdButton(Duration.ofSeconds(8))).isTrue();
        eventually(WAIT, () -> hub.events(EventKind.PAIRING_MODE).size() == 1);

        try (TestHub foreign =
                new TestHub(DeviceIdentity.load(minted.deviceDir()).manufacturerCa(), clock, random)) {
            // Someone at the door shows their own account's code, even knowing the setup code.
            ClaimCode theirs = foreign.issueTicket(minted.setupCode(), RandomIds.newSecret());
            agent.camera().show(TestQr.qr(theirs.format()));
            eventually(WAIT, () -> hub.events(EventKind.CLAIM_REFUSED).size() == 1);
            assertThat(hub.events(EventKind.CLAIM_REFUSED).get(0).detail()).isEqualTo("foreign-hub");

            // A code from the device's own hub (another account there) is reported with its ticket.
            ClaimCode sameHub = hub.issueTicket(minted.setupCode(), RandomIds.newSecret());
            agent.camera().show(TestQr.qr(sameHub.format()));
            eventually(WAIT, () -> hub.events(EventKind.CLAIM_REFUSED).size() == 2);
            assertThat(hub.events(EventKind.CLAIM_REFUSED).get(1).detail()).isEqualTo("ticket:" + sameHub.ticket());

            // Many frames later, still one report per code, and no connection to anyone with either code.
            Thread.sleep(200);
            assertThat(hub.events(EventKind.CLAIM_REFUSED)).hasSize(2);
            assertThat(foreign.connections.get()).isZero();
            assertThat(hub.received)
                    .noneMatch(m -> m instanceof dev.doorward.protocol.LinkMessage.ClaimRequest r
                            && r.ticket().equals(sameHub.ticket()));
        }
        assertThat(agent.ownershipState()).isEqualTo(OwnershipState.OWNED);
        assertThat(agent.deviceId()).contains(deviceId);
    }

    @Test
    void eventsWaitInTheOutboxUntilTheHubAcknowledgesThem() {
        agent = DeviceAgent.start(config());
        claim();
        hub.ackEvents = false;
        String ring = agent.pressButton().orElseThrow();
        eventually(WAIT, () -> hub.events(EventKind.RING).size() == 1);
        assertThat(agent.pendingEvents()).isEqualTo(1);

        hub.ackEvents = true;
        hub.dropAll();

        // After the reconnect the same event goes again; the hub deduplicates by id.
        eventually(WAIT, () -> agent.pendingEvents() == 0);
        assertThat(hub.events(EventKind.RING)).extracting(DeviceEvent::eventId).containsOnly(ring);
        assertThat(hub.events(EventKind.RING)).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void aFactoryNewDeviceSendsNothingWhenPressed() {
        agent = DeviceAgent.start(config());

        assertThat(agent.pressButton()).isEmpty();
        assertThat(agent.pendingEvents()).isZero();
    }
}
