package dev.doorward.hub.ownership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.hub.link.DeviceConnections;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.MutableClock;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.LinkMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The owner may change how long a reset at the door waits — down to zero, by their explicit choice — and
 * nobody else can: the doorbell accepts only a setting signed by its pinned owner key.
 */
class CoolingOffSettingTest {
    @TempDir
    Path dir;

    @Test
    void onlyTheOwnerSetsTheCoolingOffPeriod() throws Exception {
        try (TestHub hub = TestHub.start(dir)) {
            Household owner = Household.firstOwner(hub);
            MintedDevice minted = hub.mintDevice("front");
            MutableClock doorbellClock = MutableClock.startingNow();
            DeviceAgent doorbell =
                    owner.claim(hub.startDevice(minted, c -> c.withClock(doorbellClock)), minted.setupCode());
            String deviceId = doorbell.deviceId().orElseThrow();
            BrowserClient browser = owner.browser();

            // A compromised hub tries to make it let go at once: its own key is not the owner's.
            KeyPair hubsKey = KeyPairs.newP256(new SecureRandom());
            String zero = statement(deviceId, doorbellClock.instant(), 0);
            hub.bean(DeviceConnections.class)
                    .send(
                            deviceId,
                            new LinkMessage.SetCoolingOff(
                                    zero,
                                    b64(Signatures.sign(hubsKey.getPrivate(), zero.getBytes(StandardCharsets.UTF_8))),
                                    b64(hubsKey.getPublic().getEncoded())));
            Thread.sleep(500);
            Instant deadline = doorbell.pressResetPin().orElseThrow();
            assertThat(deadline).isAfter(doorbellClock.instant().plus(Duration.ofHours(71)));
            vetoOnceListed(
                    owner,
                    deviceId); // The owner sets one hour: the doorbell confirms, the app shows it, the next reset uses
            // it.
            String oneHour = statement(deviceId, doorbellClock.instant(), 3600);
            assertThat(browser.postJson(
                                    "/api/devices/" + deviceId + "/cooling-off",
                                    Map.of(
                                            "statement", oneHour,
                                            "signature", browser.signWithClientKey(oneHour),
                                            "signerPublicKey", browser.clientPublicKey()))
                            .status())
                    .isEqualTo(202);
            PhysicalResetTest.awaitListed(
                    owner, d -> d.path("coolingOffSeconds").asLong(-1) == 3600);
            Instant shorter = doorbell.pressResetPin().orElseThrow();
            assertThat(Duration.between(doorbellClock.instant(), shorter)).isEqualTo(Duration.ofHours(1));
            vetoOnceListed(
                    owner, deviceId); // Zero, by the owner's explicit choice: a reset at the door lets go at once.
            String none = statement(deviceId, doorbellClock.instant(), 0);
            browser.postJson(
                    "/api/devices/" + deviceId + "/cooling-off",
                    Map.of(
                            "statement", none,
                            "signature", browser.signWithClientKey(none),
                            "signerPublicKey", browser.clientPublicKey()));
            PhysicalResetTest.awaitListed(
                    owner, d -> d.path("coolingOffSeconds").asLong(-1) == 0);
            doorbell.pressResetPin();
            assertThat(doorbell.awaitOwnership(OwnershipState.FACTORY_NEW, Duration.ofSeconds(15)))
                    .isTrue();
            PhysicalResetTest.awaitNoDevices(owner);
        }
    }

    /** Vetoes once the hub has heard of the reset, then waits until the doorbell is plainly owned again. */
    static void vetoOnceListed(Household owner, String deviceId) {
        PhysicalResetTest.awaitListed(owner, d -> !d.get("resetPendingUntil").isNull());
        assertThat(owner.browser()
                        .postJson("/api/devices/" + deviceId + "/veto-reset", Map.of())
                        .status())
                .isEqualTo(202);
        PhysicalResetTest.awaitListed(owner, d -> d.get("resetPendingUntil").isNull());
    }

    static String statement(String deviceId, Instant at, long seconds) {
        return "doorward-cooling-off:1:" + deviceId + ":" + at.toEpochMilli() + ":" + seconds;
    }

    static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
