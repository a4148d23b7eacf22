package dev.doorward.hub.household;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Inviting someone into the household with a one-time link, and removing them: a removed member is signed out and
 * its live stream ends at once; signed in again, every household route refuses them — the same answer an outsider
 * gets.
 */
class MembershipTest {
    @TempDir
    Path dir;

    @Test
    void inviteAcceptAndRemove() {
        try (TestHub hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"))) {
            Household owner = Household.firstOwner(hub);
            DeviceAgent doorbell = owner.claim(hub, hub.mintDevice("front"));
            Household partner = Household.signUp(hub, "partner");
            Household stranger = Household.signUp(hub, "stranger");
            String members = "/api/households/" + owner.householdId() + "/members";
            String invitations = "/api/households/" + owner.householdId() + "/invitations";

            // Only the household's admins invite; nobody else learns the household exists.
            assertThat(stranger.browser()
                            .postJson(invitations, Map.of("role", "resident"))
                            .status())
                    .isEqualTo(404);
            assertThat(stranger.browser().get(members).status()).isEqualTo(404);
            assertThat(hub.browser().get(members).status()).isEqualTo(401);
            assertThat(owner.browser()
                            .postJson(invitations, Map.of("role", "owner"))
                            .status())
                    .isEqualTo(400);

            BrowserClient.Response invited = owner.browser().postJson(invitations, Map.of("role", "resident"));
            assertThat(invited.status()).isEqualTo(201);
            String link = invited.json().get("link").stringValue();
            assertThat(link).contains("#invite=");
            String token = link.substring(link.indexOf("#invite=") + "#invite=".length());

            // The partner accepts; the link is spent.
            assertThat(partner.browser()
                            .postJson("/api/invitations/accept", Map.of("token", token))
                            .status())
                    .isEqualTo(200);
            assertThat(stranger.browser()
                            .postJson("/api/invitations/accept", Map.of("token", token))
                            .status())
                    .isEqualTo(400);
            assertThat(stranger.browser()
                            .postJson("/api/invitations/accept", Map.of("token", "x".repeat(43)))
                            .status())
                    .isEqualTo(400);
            assertThat(owner.browser().get(members).body()).contains("partner").doesNotContain("stranger");

            // A resident hears the doorbell and sees its history, but cannot invite or remove.
            BrowserClient.Stream partnerStream = partner.browser().openStream();
            partnerStream.awaitType("hello", Duration.ofSeconds(5));
            doorbell.pressButton();
            assertThat(partnerStream.awaitType("ring", Duration.ofSeconds(5))).isPresent();
            assertThat(partner.browser().get("/api/devices").json()).hasSize(1);
            String events = "/api/events?householdId=" + owner.householdId();
            assertThat(partner.browser().get(events).status()).isEqualTo(200);
            assertThat(partner.browser()
                            .postJson(invitations, Map.of("role", "admin"))
                            .status())
                    .isEqualTo(404);

            // Removed: the stream ends at once, and the household's routes answer as to a stranger.
            JsonNode partnerEntry = null;
            for (JsonNode m : owner.browser().get(members).json()) {
                if (m.get("username").stringValue().equals("partner")) {
                    partnerEntry = m;
                }
            }
            String partnerId = partnerEntry.get("accountId").stringValue();
            assertThat(owner.browser()
                            .sendRaw(java.net.http.HttpRequest.newBuilder(
                                            owner.browser().base().resolve(members + "/" + partnerId))
                                    .header(
                                            "X-XSRF-TOKEN",
                                            owner.browser().csrfToken().orElseThrow())
                                    .DELETE()
                                    .build())
                            .status())
                    .isEqualTo(204);
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (!partnerStream.closed() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(partnerStream.closed()).isTrue();
            // Removal signs the partner out of every browser; signed in again, it is a stranger here.
            assertThat(partner.browser().get(events).status()).isEqualTo(401);
            assertThat(partner.browser().login("partner", Household.PASSWORD).status())
                    .isEqualTo(204);
            assertThat(partner.browser().get(events).status()).isEqualTo(404);
            assertThat(partner.browser().get(events).body())
                    .isEqualTo(stranger.browser().get(events).body());
            assertThat(partner.browser().get("/api/devices").json()).isEmpty();
            BrowserClient.Stream again = partner.browser().openStream();
            again.awaitType("hello", Duration.ofSeconds(5));
            doorbell.pressButton();
            assertThat(again.awaitType("ring", Duration.ofSeconds(2))).isEmpty();
        }
    }
}
