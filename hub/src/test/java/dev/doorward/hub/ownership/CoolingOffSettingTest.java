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
import dev.doorward.protocol.testing.MutableClock;
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

    /**
     * The settings screen's motion setting: carried by the hub, applied by the doorbell only when an owner or
     * admin browser signed it; a setting the hub makes up or alters changes nothing. The name is the hub's own
     * setting (no signature).
     */
    @Test
    void motionZonesAreTheOwnersSignedSettingAndTheNameIsTheHubs() throws Exception {
        try (TestHub hub = TestHub.start(dir)) {
            Household owner = Household.firstOwner(hub);
            MintedDevice minted = hub.mintDevice("front");
            DeviceAgent doorbell = owner.claim(hub.startDevice(minted), minted.setupCode());
            String deviceId = doorbell.deviceId().orElseThrow();
            BrowserClient browser = owner.browser();
            String path = "/api/devices/" + deviceId + "/motion";
            assertThat(browser.get("/api/devices/" + deviceId + "/settings")
                            .json()
                            .get("motion")
                            .isNull())
                    .isTrue();

            // The owner draws the lower half: the doorbell applies it and says so; the settings show it.
            String lowerHalf = motion(deviceId, "on;0,6,16,6");
            assertThat(browser.postJson(path, signed(browser, lowerHalf)).status())
                    .isEqualTo(202);
            assertThat(await(() -> "on;0,6,16,6"
                            .equals(browser.get("/api/devices/" + deviceId + "/settings")
                                    .json()
                                    .path("motion")
                                    .asString(""))))
                    .isTrue();
            assertThat(doorbell.motionSettings().enabled()).isTrue();
            assertThat(doorbell.motionSettings().watchedZones())
                    .containsExactly(new dev.doorward.device.motion.Region(0, 0.5, 1, 0.5));

            // A compromised hub switches it off with its own key, or alters the owner's zones: nothing changes.
            KeyPair hubsKey = KeyPairs.newP256(new SecureRandom());
            String off = motion(deviceId, "off");
            DeviceConnections connections = hub.bean(DeviceConnections.class);
            connections.send(
                    deviceId,
                    new LinkMessage.SetMotion(
                            off,
                            b64(Signatures.sign(hubsKey.getPrivate(), off.getBytes(StandardCharsets.UTF_8))),
                            b64(hubsKey.getPublic().getEncoded())));
            Map<String, String> genuine = signed(browser, motion(deviceId, "on;0,0,16,12"));
            connections.send(
                    deviceId,
                    new LinkMessage.SetMotion(
                            genuine.get("statement").replace("on;0,0,16,12", "on;0,0,1,1"),
                            genuine.get("signature"),
                            genuine.get("signerPublicKey")));
            Thread.sleep(1_000);
            assertThat(doorbell.motionSettings().enabled()).isTrue();
            assertThat(doorbell.motionSettings().watchedZones()).hasSize(1);
            assertThat(browser.get("/api/devices/" + deviceId + "/settings")
                            .json()
                            .path("motion")
                            .asString())
                    .isEqualTo("on;0,6,16,6");

            // Bad input gets a clear error and reaches nobody.
            assertThat(browser.postJson(path, signed(browser, motion(deviceId, "on;0,0,99,1")))
                            .body())
                    .contains("The motion setting is malformed");
            assertThat(browser.postJson(path, signed(browser, motion("someOtherDevice_000000", "off")))
                            .body())
                    .contains("names another doorbell");
            Map<String, String> foreignKey = new java.util.HashMap<>(signed(browser, off));
            foreignKey.put("signerPublicKey", b64(hubsKey.getPublic().getEncoded()));
            assertThat(browser.postJson(path, foreignKey).body()).contains("a browser of your own account");

            // Off, signed by the owner: applied.
            assertThat(browser.postJson(path, signed(browser, motion(deviceId, "off")))
                            .status())
                    .isEqualTo(202);
            assertThat(await(() -> !doorbell.motionSettings().enabled())).isTrue();

            // The name: shown at once in the device list; an empty or overlong name is refused.
            assertThat(send(browser, "PUT", "/api/devices/" + deviceId + "/name", "{\"name\":\" Porch \"}")
                            .status())
                    .isEqualTo(200);
            assertThat(browser.get("/api/devices").json().get(0).get("name").asString())
                    .isEqualTo("Porch");
            assertThat(send(browser, "PUT", "/api/devices/" + deviceId + "/name", "{\"name\":\"\"}")
                            .status())
                    .isEqualTo(400);
            assertThat(send(
                                    browser,
                                    "PUT",
                                    "/api/devices/" + deviceId + "/name",
                                    "{\"name\":\"" + "x".repeat(65) + "\"}")
                            .status())
                    .isEqualTo(400);
            assertThat(send(browser, "PUT", "/api/devices/" + deviceId + "/retention", "{\"days\":0}")
                            .status())
                    .isEqualTo(400);
        }
    }

    private static String motion(String deviceId, String setting) {
        return "doorward-motion:1:" + deviceId + ":" + System.currentTimeMillis() + ":" + setting;
    }

    private static Map<String, String> signed(BrowserClient browser, String statement) {
        return Map.of(
                "statement", statement,
                "signature", browser.signWithClientKey(statement),
                "signerPublicKey", browser.clientPublicKey());
    }

    private static BrowserClient.Response send(BrowserClient browser, String method, String path, String json) {
        return browser.sendRaw(
                java.net.http.HttpRequest.newBuilder(browser.base().resolve(path))
                        .header("X-XSRF-TOKEN", browser.csrfToken().orElseThrow())
                        .header("Content-Type", "application/json")
                        .method(method, java.net.http.HttpRequest.BodyPublishers.ofString(json))
                        .build());
    }

    private static boolean await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
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
