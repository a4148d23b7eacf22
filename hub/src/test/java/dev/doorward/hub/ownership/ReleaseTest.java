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
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.LinkMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Selling a doorbell: only the owner's own browser key releases it, after the password is entered again.
 * A forged release (from a hub that has no owner key), a replayed one and one for another device are refused
 * by the doorbell itself.
 */
class ReleaseTest {
    @TempDir
    Path dir;

    @Test
    void onlyTheOwnersSignedReleaseLetsTheDoorbellGo() throws Exception {
        try (TestHub hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"))) {
            Household owner = Household.firstOwner(hub);
            Household buyer = Household.signUp(hub, "buyer");
            MintedDevice minted = hub.mintDevice("front");
            DeviceAgent doorbell = owner.claim(hub, minted);
            String deviceId = doorbell.deviceId().orElseThrow();
            doorbell.pressButton();
            DeviceConnections connections = hub.bean(DeviceConnections.class);

            // A compromised hub has no owner key: a statement it signs with any key of its own is refused.
            KeyPair hubsOwnKey = KeyPairs.newP256(new SecureRandom());
            String statement =
                    "doorward-release:1:" + deviceId + ":" + Instant.now().toEpochMilli();
            assertThat(connections.send(
                            deviceId,
                            LinkMessage.Release.of(
                                    statement,
                                    Signatures.sign(
                                            hubsOwnKey.getPrivate(), statement.getBytes(StandardCharsets.UTF_8)),
                                    hubsOwnKey.getPublic().getEncoded())))
                    .isTrue();
            // ... and so is the owner's real signature on a stale statement, or one for another device.
            BrowserClient browser = owner.browser();
            String stale = "doorward-release:1:" + deviceId + ":"
                    + Instant.now().minus(Duration.ofHours(1)).toEpochMilli();
            String otherDevice =
                    "doorward-release:1:AAAAAAAAAAAAAAAAAAAAAA:" + Instant.now().toEpochMilli();
            for (String s : new String[] {stale, otherDevice}) {
                connections.send(
                        deviceId, new LinkMessage.Release(s, browser.signWithClientKey(s), browser.clientPublicKey()));
            }
            Thread.sleep(1000);
            assertThat(doorbell.ownershipState()).isEqualTo(OwnershipState.OWNED);

            // Through the app: a wrong password is refused before anything reaches the doorbell.
            String path = "/api/devices/" + deviceId + "/release";
            String fresh =
                    "doorward-release:1:" + deviceId + ":" + Instant.now().toEpochMilli();
            Map<String, String> release = Map.of(
                    "statement", fresh,
                    "signature", browser.signWithClientKey(fresh),
                    "signerPublicKey", browser.clientPublicKey());
            assertThat(browser.postJson(path, with(release, "password", "not my password"))
                            .status())
                    .isEqualTo(400);
            // Malformed statements get a clear 400, never a server error.
            for (String[] bad : new String[][] {
                {"signature", "%%%"}, {"signerPublicKey", "A"}, {"statement", "x".repeat(300)}, {"signature", null}
            }) {
                Map<String, String> malformed = with(with(release, "password", Household.PASSWORD), bad[0], bad[1]);
                assertThat(browser.postJson(path, malformed).status())
                        .as(bad[0])
                        .isEqualTo(400);
            }
            assertThat(browser.postJson(
                                    "/api/devices/" + deviceId + "/move-code",
                                    Map.of("issuedAt", 1, "signature", "%%", "signerPublicKey", "A"))
                            .status())
                    .isEqualTo(400); // Another household cannot release it, and learns nothing about it.
            assertThat(buyer.browser()
                            .postJson(path, with(release, "password", Household.PASSWORD))
                            .status())
                    .isEqualTo(404);
            assertThat(hub.browser()
                            .postJson(path, with(release, "password", Household.PASSWORD))
                            .status())
                    .isEqualTo(401);
            assertThat(doorbell.ownershipState()).isEqualTo(OwnershipState.OWNED);

            // The owner, with the password and their own browser key: released.
            assertThat(browser.postJson(path, with(release, "password", Household.PASSWORD))
                            .status())
                    .isEqualTo(202);
            assertThat(doorbell.awaitOwnership(OwnershipState.FACTORY_NEW, Duration.ofSeconds(15)))
                    .isTrue();
            PhysicalResetTest.awaitNoDevices(owner);
            assertThat(owner.browser()
                            .get("/api/events?householdId=" + owner.householdId())
                            .json())
                    .isEmpty();

            // The buyer adds it with the setup code from the box and starts with nothing of the old owner's.
            buyer.claim(doorbell, minted.setupCode());
            String newId = doorbell.deviceId().orElseThrow();
            assertThat(newId).isNotEqualTo(deviceId);
            assertThat(buyer.browser()
                            .get("/api/events?householdId=" + buyer.householdId())
                            .json())
                    .isEmpty();

            // The old owner's release, replayed now, is for a device id that no longer exists: refused.
            connections.send(
                    newId, new LinkMessage.Release(fresh, browser.signWithClientKey(fresh), browser.clientPublicKey()));
            Thread.sleep(1000);
            assertThat(doorbell.ownershipState()).isEqualTo(OwnershipState.OWNED);
            assertThat(buyer.browser().get("/api/devices").json()).hasSize(1);
        }
    }

    static Map<String, String> with(Map<String, String> base, String key, String value) {
        var map = new java.util.HashMap<>(base);
        map.put(key, value);
        return map;
    }
}
