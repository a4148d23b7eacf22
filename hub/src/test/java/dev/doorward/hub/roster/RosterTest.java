package dev.doorward.hub.roster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.device.DeviceAgent;
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
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The household roster end to end: the claiming browser signs it, the hub carries it, the doorbell verifies
 * it back to the key it pinned from the claim QR code. The hub cannot make a roster the doorbell accepts,
 * and only a household's admins can post one.
 */
class RosterTest {
    @TempDir
    Path dir;

    @Test
    void theClaimingBrowserSignsTheRosterAndTheDoorbellKeepsIt() throws Exception {
        try (TestHub hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"))) {
            Household owner = Household.firstOwner(hub);
            DeviceAgent doorbell = owner.claim(hub, hub.mintDevice("front"));
            BrowserClient browser = owner.browser();
            String rosters = "/api/households/" + owner.householdId() + "/rosters";
            assertThat(doorbell.roster()).isEmpty();

            BrowserClient.Response first = browser.signRoster(owner.householdId(), Map.of(browser.clientId(), "owner"));
            assertThat(first.status()).as(first.body()).isEqualTo(201);
            assertThat(awaitValue(() -> doorbell.roster().map(Roster::epoch), 1L))
                    .isTrue();
            assertThat(doorbell.roster().orElseThrow().owner().clientId()).isEqualTo(browser.clientId());

            // The roster view lists the browser as approved (its role in the latest roster).
            JsonNode view = browser.get("/api/households/" + owner.householdId() + "/roster")
                    .json();
            assertThat(view.get("epoch").asLong()).isEqualTo(1);
            assertThat(view.get("clients").get(0).get("rosterRole").stringValue())
                    .isEqualTo("owner");

            // Signing on top of an old epoch loses the race: 409, nothing stored.
            String text = new Roster(
                            owner.householdId(),
                            1,
                            Roster.NO_PREVIOUS,
                            System.currentTimeMillis(),
                            Roster.parse(view.get("text").stringValue()).members())
                    .text();
            BrowserClient.Response stale = browser.postJson(
                    rosters,
                    Map.of(
                            "text", text,
                            "signature", browser.signWithClientKey(text),
                            "signerPublicKey", browser.clientPublicKey()));
            assertThat(stale.status()).isEqualTo(409);

            // A roster the hub forges (signed by a key of its own, naming itself owner) is refused by the
            // doorbell, which tells the hub; the household is alerted.
            BrowserClient.Stream alerts = browser.openStream();
            alerts.awaitType("hello", Duration.ofSeconds(5));
            KeyPair hubKey = KeyPairs.newP256(new SecureRandom());
            Roster current = doorbell.roster().orElseThrow();
            String forged = forgedNext(current, hubKey);
            hub.bean(DeviceConnections.class)
                    .send(
                            doorbell.deviceId().orElseThrow(),
                            new LinkMessage.RosterUpdate(
                                    forged,
                                    b64(Signatures.sign(hubKey.getPrivate(), forged.getBytes(StandardCharsets.UTF_8))),
                                    b64(hubKey.getPublic().getEncoded())));
            Optional<JsonNode> alert = alerts.await(
                    m -> m.path("type").asString("").equals("security-alert")
                            && m.path("message").asString("").contains("refused a member list"),
                    Duration.ofSeconds(10));
            assertThat(alert).isPresent();
            assertThat(doorbell.roster().orElseThrow().epoch()).isEqualTo(1);
            assertThat(browser.get("/api/audit?householdId=" + owner.householdId() + "&limit=50")
                            .body())
                    .contains("roster-refused")
                    .contains("roster-signed");
        }
    }

    @Test
    void onlyTheHouseholdsAdminsPostRostersAndOnlyWithTheirOwnMembers() {
        try (TestHub hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"))) {
            Household owner = Household.firstOwner(hub);
            DeviceAgent doorbell = owner.claim(hub, hub.mintDevice("front"));
            Household stranger = Household.signUp(hub, "stranger");
            stranger.browser().registerClient();
            BrowserClient browser = owner.browser();
            String householdId = owner.householdId();

            // Outsiders and the anonymous learn nothing, not even that the household exists.
            assertThat(stranger.browser()
                            .get("/api/households/" + householdId + "/roster")
                            .status())
                    .isEqualTo(404);
            assertThat(stranger.browser()
                            .signRoster(householdId, Map.of(stranger.browser().clientId(), "owner"))
                            .status())
                    .isEqualTo(404);
            assertThat(hub.browser()
                            .get("/api/households/" + householdId + "/roster")
                            .status())
                    .isEqualTo(401);

            // A stranger's browser cannot be listed: the hub only lists browsers of the household's members.
            assertThat(browser.get("/api/households/" + householdId + "/roster").body())
                    .doesNotContain(stranger.browser().clientId());

            // A resident cannot sign one.
            BrowserClient.Response invited =
                    browser.postJson("/api/households/" + householdId + "/invitations", Map.of("role", "resident"));
            String link = invited.json().get("link").stringValue();
            Household resident = Household.signUp(hub, "resident");
            resident.browser()
                    .postJson(
                            "/api/invitations/accept",
                            Map.of("token", link.substring(link.indexOf("#invite=") + "#invite=".length())));
            BrowserClient.Stream adminStream = browser.openStream();
            adminStream.awaitType("hello", Duration.ofSeconds(5));
            resident.browser().registerClient();
            // Every admin hears of a new browser at once.
            assertThat(adminStream.await(
                            m -> m.path("message").asString("").contains("A new browser was registered for resident"),
                            Duration.ofSeconds(5)))
                    .isPresent();
            assertThat(resident.browser()
                            .signRoster(householdId, Map.of(resident.browser().clientId(), "owner"))
                            .status())
                    .isEqualTo(404);

            // The owner cannot give the resident's browser a role its member does not have.
            assertThat(browser.signRoster(
                                    householdId,
                                    Map.of(
                                            browser.clientId(),
                                            "owner",
                                            resident.browser().clientId(),
                                            "admin"))
                            .status())
                    .isEqualTo(400);
            // But lists it as a resident.
            BrowserClient.Response ok = browser.signRoster(
                    householdId,
                    Map.of(browser.clientId(), "owner", resident.browser().clientId(), "resident"));
            assertThat(ok.status()).as(ok.body()).isEqualTo(201);
            assertThat(awaitValue(() -> doorbell.roster().map(r -> r.members().size()), 2))
                    .isTrue();

            // The resident's browser is approved now but still may not sign.
            assertThat(resident.browser()
                            .signRoster(
                                    householdId,
                                    Map.of(
                                            browser.clientId(),
                                            "owner",
                                            resident.browser().clientId(),
                                            "resident"))
                            .status())
                    .isEqualTo(404);
        }
    }

    @Test
    void aDoorbellThatWasOfflineCatchesUpWhenItReturns() {
        try (TestHub hub = TestHub.start(dir)) {
            Household owner = Household.firstOwner(hub);
            DeviceAgent doorbell = owner.claim(hub, hub.mintDevice("front"));
            BrowserClient browser = owner.browser();
            assertThat(browser.signRoster(owner.householdId(), Map.of(browser.clientId(), "owner"))
                            .status())
                    .isEqualTo(201);
            assertThat(awaitValue(() -> doorbell.roster().map(Roster::epoch), 1L))
                    .isTrue();

            hub.stop();
            hub.restart();
            // Two more rosters while the doorbell reconnects; it takes them in order, one epoch at a time.
            browser = owner.browser().movedTo(hub);
            assertThat(browser.login("owner", Household.PASSWORD).status()).isEqualTo(204);
            assertThat(browser.signRoster(owner.householdId(), Map.of(browser.clientId(), "owner"))
                            .status())
                    .isEqualTo(201);
            assertThat(browser.signRoster(owner.householdId(), Map.of(browser.clientId(), "owner"))
                            .status())
                    .isEqualTo(201);
            assertThat(awaitValue(() -> doorbell.roster().map(Roster::epoch), 3L))
                    .isTrue();
        }
    }

    private static String forgedNext(Roster current, KeyPair hubKey) {
        byte[] spki = hubKey.getPublic().getEncoded();
        Roster.Member impostor = new Roster.Member(
                "zzzzzzzzzzzzzzzzzzzzzz",
                Roster.Role.OWNER,
                dev.doorward.crypto.pki.Fingerprints.ofSubjectPublicKeyInfo(spki),
                b64(spki),
                b64(spki),
                null);
        return new Roster(
                        current.householdId(),
                        current.epoch() + 1,
                        dev.doorward.crypto.Hashes.sha256Base64Url(
                                current.text().getBytes(StandardCharsets.UTF_8)),
                        System.currentTimeMillis(),
                        List.of(impostor))
                .text();
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static <T> boolean awaitValue(Supplier<Optional<T>> value, T wanted) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (value.get().filter(wanted::equals).isPresent()) {
                return true;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}
