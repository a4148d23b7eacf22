package dev.doorward.hub.roster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.Roster;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-doorbell access and guest schedules from the signed roster's access lines: a resident kept to the front
 * door does not see, hear or open the back one; a guest outside their hours gets nothing at all. The doorbells
 * enforce the same lines for the door and their keys (DoorCommandsTest, MediaEpochsTest).
 */
class MemberAccessTest {
    @TempDir
    Path dir;

    @Test
    void aRestrictedMemberGetsOnlyTheirDoorbellsAndOnlyInTheirHours() throws Exception {
        try (TestHub hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"))) {
            Household owner = Household.firstOwner(hub);
            DeviceAgent front = owner.claim(hub, hub.mintDevice("front"));
            DeviceAgent back = owner.claim(hub, hub.mintDevice("back"));
            String frontId = front.deviceId().orElseThrow();
            String backId = back.deviceId().orElseThrow();
            BrowserClient browser = owner.browser();
            Household resident = join(hub, owner, "resident", "resident");
            Household guest = join(hub, owner, "guest", "guest");

            // The guest's hours are a window that is closed right now (an hour that started two hours ago).
            int hour = Instant.now().atOffset(ZoneOffset.UTC).getHour();
            int closedStart = ((hour + 22) % 24) * 60;
            Roster.Schedule closed = new Roster.Schedule(0b1111111, closedStart, closedStart + 60, 0);
            List<Roster.Access> access = new java.util.ArrayList<>(List.of(
                    new Roster.Access(resident.browser().clientId(), List.of(frontId), null),
                    new Roster.Access(guest.browser().clientId(), List.of(), closed)));
            access.sort(java.util.Comparator.comparing(Roster.Access::clientId));
            BrowserClient.Response signed = browser.signRoster(
                    owner.householdId(),
                    Map.of(
                            browser.clientId(), "owner",
                            resident.browser().clientId(), "resident",
                            guest.browser().clientId(), "guest"),
                    access);
            assertThat(signed.status()).as(signed.body()).isEqualTo(201);

            // The device list, the doors and the rings.
            assertThat(resident.browser().get("/api/devices").body())
                    .contains(frontId)
                    .doesNotContain(backId);
            assertThat(guest.browser().get("/api/devices").json()).isEmpty();
            assertThat(browser.get("/api/devices").json()).hasSize(2);
            BrowserClient.Stream residentStream = resident.browser().openStream();
            BrowserClient.Stream guestStream = guest.browser().openStream();
            BrowserClient.Stream ownerStream = browser.openStream();
            for (BrowserClient.Stream s : List.of(residentStream, guestStream, ownerStream)) {
                s.awaitType("hello", Duration.ofSeconds(5));
            }
            back.pressButton();
            assertThat(ownerStream.awaitType("ring", Duration.ofSeconds(5))).isPresent();
            assertThat(residentStream.awaitType("ring", Duration.ofSeconds(1))).isEmpty();
            front.pressButton();
            assertThat(residentStream.awaitType("ring", Duration.ofSeconds(5))).isPresent();
            assertThat(guestStream.awaitType("ring", Duration.ofSeconds(1))).isEmpty();

            // History, live view and door requests follow the same rule, with the outsider's answer.
            String events = "/api/events?householdId=" + owner.householdId();
            assertThat(resident.browser().get(events).body()).contains(frontId).doesNotContain(backId);
            assertThat(guest.browser().get(events).json()).isEmpty();
            assertThat(resident.browser()
                            .postJson("/api/devices/" + backId + "/door/nonce", Map.of())
                            .status())
                    .isEqualTo(404);
            assertThat(guest.browser()
                            .postJson("/api/devices/" + frontId + "/door/nonce", Map.of())
                            .status())
                    .isEqualTo(404);
            assertThat(resident.browser()
                            .postJson("/api/devices/" + frontId + "/door/nonce", Map.of())
                            .status())
                    .isEqualTo(200);
            BrowserClient.Stream live = resident.browser().openLive();
            live.sendText("{\"type\":\"watch\",\"deviceId\":\"" + backId + "\",\"clientId\":\""
                    + resident.browser().clientId() + "\"}");
            assertThat(live.awaitType("state", Duration.ofSeconds(5))
                            .orElseThrow()
                            .get("detail")
                            .stringValue())
                    .isEqualTo("not found");

            // A guest whose last day has passed gets nothing either, whatever the hours.
            BrowserClient.Response expired = browser.signRoster(
                    owner.householdId(),
                    Map.of(
                            browser.clientId(), "owner",
                            resident.browser().clientId(), "resident",
                            guest.browser().clientId(), "guest"),
                    List.of(),
                    Map.of(guest.browser().clientId(), System.currentTimeMillis() - 1));
            assertThat(expired.status()).as(expired.body()).isEqualTo(201);
            assertThat(guest.browser().get("/api/devices").json()).isEmpty();
            // ... while the lifted restriction lets the resident see both doorbells again.
            assertThat(resident.browser().get("/api/devices").json()).hasSize(2);

            // A member none of whose browsers the roster lists (revoked since, or not signed in yet) is not taken
            // for unrestricted while anyone is restricted: no doorbells, no rings, until a roster lists them.
            BrowserClient.Response unlisted = browser.signRoster(
                    owner.householdId(),
                    Map.of(browser.clientId(), "owner", guest.browser().clientId(), "guest"),
                    List.of(),
                    Map.of(guest.browser().clientId(), System.currentTimeMillis() - 1));
            assertThat(unlisted.status()).as(unlisted.body()).isEqualTo(201);
            assertThat(resident.browser().get("/api/devices").json()).isEmpty();
            assertThat(resident.browser().get(events).json()).isEmpty();
            front.pressButton();
            assertThat(ownerStream.awaitType("ring", Duration.ofSeconds(5))).isPresent();
            assertThat(residentStream.awaitType("ring", Duration.ofSeconds(1))).isEmpty();
            assertThat(browser.get("/api/devices").json()).hasSize(2);
        }
    }

    private static Household join(TestHub hub, Household owner, String username, String role) {
        String link = owner.browser()
                .postJson("/api/households/" + owner.householdId() + "/invitations", Map.of("role", role))
                .json()
                .get("link")
                .stringValue();
        Household member = Household.signUp(hub, username);
        member.browser()
                .postJson(
                        "/api/invitations/accept",
                        Map.of("token", link.substring(link.indexOf("#invite=") + "#invite=".length())));
        member.browser().registerClient();
        return new Household(member.browser(), username, owner.householdId());
    }
}
