package dev.doorward.hub.ownership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * EKEN's defining attack with a reset instead of a pairing hold: a thief resets the doorbell at the door and
 * tries to claim it. The doorbell stays the owner's through the cooling-off period, the owner is told at once
 * and can veto; only when the period ends with no veto does it become factory-new. Time moves on the
 * doorbell's injected clock, not by waiting.
 */
class PhysicalResetTest {
    static final Duration COOLING_OFF = Duration.ofHours(72);

    @TempDir
    Path dir;

    @Test
    void resetWaitsForTheOwnerWhoCanVetoAndOnlyThenReleases() {
        try (TestHub hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"))) {
            Household owner = Household.firstOwner(hub);
            Household thief = Household.signUp(hub, "thief");
            MintedDevice minted = hub.mintDevice("front");
            MutableClock doorbellClock = MutableClock.startingNow();
            DeviceAgent doorbell = owner.claim(
                    hub.startDevice(minted, c -> c.withClock(doorbellClock).withCoolingOff(COOLING_OFF)),
                    minted.setupCode());
            String deviceId = doorbell.deviceId().orElseThrow();
            BrowserClient.Stream ownerStream = owner.browser().openStream();
            ownerStream.awaitType("hello", Duration.ofSeconds(5));

            // The thief resets it at the door ...
            doorbell.pressResetPin();
            assertThat(doorbell.ownershipState()).isEqualTo(OwnershipState.RESET_PENDING);
            assertThat(ownerStream.await(message("resetting"), Duration.ofSeconds(10)))
                    .isPresent();
            JsonNode listed = owner.browser().get("/api/devices").json().get(0);
            Instant deadline = Instant.parse(listed.get("resetPendingUntil").stringValue());
            assertThat(deadline)
                    .isAfter(doorbellClock.instant().plus(COOLING_OFF).minusSeconds(5));

            // ... and shows it a claim code of its own at once: refused, the doorbell is still the owner's.
            doorbell.holdButton(Duration.ofSeconds(6));
            Household.ClaimQr qr = thief.startClaim(minted.setupCode());
            doorbell.camera().show(qr.image());
            assertThat(ownerStream.await(message("tried to claim"), Duration.ofSeconds(10)))
                    .isPresent();
            doorbell.camera().clearShown();
            assertThat(doorbell.ownershipState()).isEqualTo(OwnershipState.RESET_PENDING);
            assertThat(thief.browser().get("/api/devices").json()).isEmpty();

            // Nobody but the owner's household may veto, and an outsider learns nothing.
            String vetoPath = "/api/devices/" + deviceId + "/veto-reset";
            assertThat(hub.browser().postJson(vetoPath, Map.of()).status()).isEqualTo(401);
            BrowserClient.Response thiefVeto = thief.browser().postJson(vetoPath, Map.of());
            BrowserClient.Response unknownVeto =
                    thief.browser().postJson("/api/devices/AAAAAAAAAAAAAAAAAAAAAA/veto-reset", Map.of());
            assertThat(thiefVeto.status()).isEqualTo(404);
            // The same answer as for an id that does not exist (the problem's "instance" only echoes the path).
            assertThat(withoutInstance(thiefVeto)).isEqualTo(withoutInstance(unknownVeto));

            // The owner vetoes: the doorbell stays theirs.
            assertThat(owner.browser().postJson(vetoPath, Map.of()).status()).isEqualTo(202);
            assertThat(doorbell.awaitOwnership(OwnershipState.OWNED, Duration.ofSeconds(10)))
                    .isTrue();
            assertThat(ownerStream.await(message("cancelled"), Duration.ofSeconds(10)))
                    .isPresent();
            awaitListed(owner, d -> d.get("resetPendingUntil").isNull());

            // A second reset, and this time nobody vetoes: when the period ends the doorbell lets go.
            doorbell.pressResetPin();
            awaitListed(owner, d -> !d.get("resetPendingUntil").isNull());
            doorbellClock.advance(COOLING_OFF.plusMinutes(1));
            assertThat(doorbell.awaitOwnership(OwnershipState.FACTORY_NEW, Duration.ofSeconds(20)))
                    .isTrue();
            assertThat(ownerStream.await(message("no longer yours"), Duration.ofSeconds(10)))
                    .isPresent();
            awaitNoDevices(owner);
            assertThat(owner.browser()
                            .get("/api/events?householdId=" + owner.householdId())
                            .json())
                    .isEmpty();

            // Now — and only now — the new holder of the setup code can claim it.
            thief.claim(doorbell, minted.setupCode());
            assertThat(thief.browser()
                            .get("/api/devices")
                            .json()
                            .get(0)
                            .get("id")
                            .stringValue())
                    .isNotEqualTo(deviceId);
        }
    }

    static JsonNode withoutInstance(BrowserClient.Response response) {
        var json = (tools.jackson.databind.node.ObjectNode) response.json();
        json.remove("instance");
        return json;
    }

    static Predicate<JsonNode> message(String text) {
        return m -> m.path("message").asString("").contains(text);
    }

    static void awaitListed(Household household, Predicate<JsonNode> condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode devices = household.browser().get("/api/devices").json();
            if (!devices.isEmpty() && condition.test(devices.get(0))) {
                return;
            }
            pause();
        }
        throw new AssertionError("the device list never reached the expected state");
    }

    static void awaitNoDevices(Household household) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!household.browser().get("/api/devices").json().isEmpty() && System.nanoTime() < deadline) {
            pause();
        }
        assertThat(household.browser().get("/api/devices").json()).isEmpty();
    }

    static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
