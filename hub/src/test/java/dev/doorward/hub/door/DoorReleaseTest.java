package dev.doorward.hub.door;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.door.DoorCommands;
import dev.doorward.hub.link.DeviceConnections;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.Roster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening the door (issue 6): a member's browser signs the release over a nonce the doorbell issued; the
 * doorbell checks it against its roster. A replayed release, one for another doorbell, one signed by a
 * removed member and one the hub forges without any member key all leave the door shut.
 */
class DoorReleaseTest {
    @TempDir
    Path dir;

    @Test
    void onlyAMembersFreshSignedReleaseOpensTheDoor() throws Exception {
        try (TestHub hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"))) {
            Household owner = Household.firstOwner(hub);
            DeviceAgent doorbell = owner.claim(hub, hub.mintDevice("front"));
            DeviceAgent back = owner.claim(hub, hub.mintDevice("back"));
            String deviceId = doorbell.deviceId().orElseThrow();
            BrowserClient browser = owner.browser();

            // A resident, in the roster.
            String link = browser.postJson(
                            "/api/households/" + owner.householdId() + "/invitations", Map.of("role", "resident"))
                    .json()
                    .get("link")
                    .stringValue();
            Household partner = Household.signUp(hub, "partner");
            partner.browser()
                    .postJson(
                            "/api/invitations/accept",
                            Map.of("token", link.substring(link.indexOf("#invite=") + "#invite=".length())));
            partner.browser().registerClient();
            assertThat(browser.signRoster(
                                    owner.householdId(),
                                    Map.of(
                                            browser.clientId(),
                                            "owner",
                                            partner.browser().clientId(),
                                            "resident"))
                            .status())
                    .isEqualTo(201);
            assertThat(await(() -> doorbell.roster()
                                            .map(r -> r.members().size())
                                            .orElse(0)
                                    == 2
                            && back.roster().map(r -> r.members().size()).orElse(0) == 2))
                    .isTrue();

            // The resident opens the front door.
            String nonce = nonce(partner.browser(), deviceId);
            String statement = DoorCommands.statement(deviceId, nonce, Instant.now());
            BrowserClient.Response opened = open(partner.browser(), deviceId, statement);
            assertThat(opened.status()).as(opened.body()).isEqualTo(200);
            assertThat(doorbell.door().isOpen()).isTrue();
            assertThat(doorbell.door().releases()).isEqualTo(1);
            assertThat(await(() -> browser.get("/api/events?householdId=" + owner.householdId())
                            .body()
                            .contains("door-opened")))
                    .isTrue();

            // The same signed release again: the nonce is spent.
            BrowserClient.Response replay = open(partner.browser(), deviceId, statement);
            assertThat(replay.status()).isEqualTo(403);
            assertThat(replay.body()).contains("nonce");

            // A release for the front door presented to the back door.
            String backId = back.deviceId().orElseThrow();
            String backNonce = nonce(partner.browser(), backId);
            BrowserClient.Response wrongDoor =
                    open(partner.browser(), backId, DoorCommands.statement(deviceId, backNonce, Instant.now()));
            assertThat(wrongDoor.status()).isEqualTo(403);
            assertThat(wrongDoor.body()).contains("another doorbell");

            // The hub forges one with a key of its own, straight down the link: refused by the doorbell.
            DeviceConnections connections = hub.bean(DeviceConnections.class);
            KeyPair hubKey = KeyPairs.newP256(new SecureRandom());
            String forged = DoorCommands.statement(deviceId, nonce(browser, deviceId), Instant.now());
            connections.send(
                    deviceId,
                    new LinkMessage.DoorOpen(
                            "AAAAAAAAAAAAAAAAAAAAAA",
                            forged,
                            b64(Signatures.sign(hubKey.getPrivate(), forged.getBytes(StandardCharsets.UTF_8))),
                            b64(hubKey.getPublic().getEncoded())));
            Thread.sleep(500);
            assertThat(doorbell.door().releases()).isEqualTo(1);

            // Outsiders and the anonymous cannot even ask.
            Household stranger = Household.signUp(hub, "stranger");
            assertThat(stranger.browser()
                            .postJson("/api/devices/" + deviceId + "/door/nonce", Map.of())
                            .status())
                    .isEqualTo(404);
            assertThat(hub.browser()
                            .postJson("/api/devices/" + deviceId + "/door/nonce", Map.of())
                            .status())
                    .isEqualTo(401);

            // The resident is removed; the owner's browser signs a roster without them.
            String partnerNonce = nonce(partner.browser(), deviceId);
            String partnerId = partner.browser()
                    .get("/api/session")
                    .json()
                    .get("accountId")
                    .stringValue();
            assertThat(browser.sendRaw(java.net.http.HttpRequest.newBuilder(browser.base()
                                            .resolve(
                                                    "/api/households/" + owner.householdId() + "/members/" + partnerId))
                                    .header("X-XSRF-TOKEN", browser.csrfToken().orElseThrow())
                                    .DELETE()
                                    .build())
                            .status())
                    .isEqualTo(204);
            assertThat(browser.signRoster(owner.householdId(), Map.of(browser.clientId(), "owner"))
                            .status())
                    .isEqualTo(201);
            assertThat(await(() -> doorbell.roster().map(Roster::epoch).orElse(0L) == 2))
                    .isTrue();
            // The hub refuses them now (removal signed them out; signed in again they are a stranger here); and a
            // hub that carried their signed release anyway gets a refusal from the doorbell, whose roster no
            // longer lists them.
            assertThat(partner.browser().login("partner", Household.PASSWORD).status())
                    .isEqualTo(204);
            String late = DoorCommands.statement(deviceId, partnerNonce, Instant.now());
            assertThat(open(partner.browser(), deviceId, late).status()).isEqualTo(404);
            connections.send(
                    deviceId,
                    new LinkMessage.DoorOpen(
                            "BBBBBBBBBBBBBBBBBBBBBB",
                            late,
                            partner.browser().signWithClientKey(late),
                            partner.browser().clientPublicKey()));
            Thread.sleep(500);
            assertThat(doorbell.door().releases()).isEqualTo(1);

            String audit = browser.get("/api/audit?householdId=" + owner.householdId() + "&limit=100")
                    .body();
            assertThat(audit).contains("door-opened").contains("door-refused");
        }
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

    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }
}
