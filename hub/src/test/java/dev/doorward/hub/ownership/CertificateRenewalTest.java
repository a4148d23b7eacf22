package dev.doorward.hub.ownership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.pki.Credential;
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
import dev.doorward.protocol.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operational certificates are short-lived and renewed over the link. A copy of an old certificate stops
 * working once the doorbell has used its new one.
 */
class CertificateRenewalTest {
    @TempDir
    Path dir;

    @Test
    void aRenewedCertificateReplacesTheOldOneOnceUsed() {
        try (TestHub hub = TestHub.start(dir)) {
            Household owner = Household.firstOwner(hub);
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
