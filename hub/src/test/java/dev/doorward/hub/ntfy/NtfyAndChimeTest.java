package dev.doorward.hub.ntfy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a member sets for themselves: an ntfy topic that a ring reaches with one content-free line (a loopback HTTPS
 * stand-in, allowed by the operator's setting as a self-hosted server at home would be), for the doorbells they
 * chose; and the chime at the door, which they can silence for a while.
 */
class NtfyAndChimeTest {
    @TempDir
    Path dir;

    @Test
    void aRingReachesTheTopicsOfTheMembersWhoChoseThatDoorbellAndNoOneElse() throws Exception {
        try (NtfyStandIn ntfy = NtfyStandIn.start(dir.resolve("ntfy"));
                TestHub hub = TestHub.start(
                        dir.resolve("hub"),
                        Map.of(
                                "doorward.open-signup", "true",
                                "doorward.ntfy.allowed-hosts", "localhost",
                                "doorward.ntfy.extra-trust-anchor",
                                        ntfy.caFile().toString()))) {
            Household owner = Household.firstOwner(hub);
            DeviceAgent doorbell = owner.claim(hub, hub.mintDevice("front"));
            String deviceId = doorbell.deviceId().orElseThrow();
            BrowserClient browser = owner.browser();
            String path = "/api/households/" + owner.householdId() + "/integrations/ntfy";
            Household resident = join(hub, owner, "resident");

            // Only https URLs to a host name that is not on a private network (unless the operator allowed it).
            for (String bad : List.of(
                    ntfy.topicUrl("t").replace("https:", "http:"),
                    "https://10.0.0.1/topic",
                    "https://127.0.0.1/topic",
                    "https://[::1]/topic",
                    "https://user:pw@localhost/topic",
                    "https://localhost/topic?x=1",
                    "https://localhost/",
                    "file:///etc/passwd")) {
                assertThat(browser.putJson(path, Map.of("url", bad)).status())
                        .as(bad)
                        .isEqualTo(400);
            }
            assertThat(browser.putJson(
                                    path,
                                    Map.of("url", ntfy.topicUrl("t"), "doorbells", List.of("AAAAAAAAAAAAAAAAAAAAAA")))
                            .status())
                    .isEqualTo(400);
            assertThat(browser.get(path).json().get("enabled").asBoolean()).isFalse();

            // The owner: every doorbell. The resident: this one, by choice. Neither URL is ever shown back.
            assertThat(browser.putJson(path, Map.of("url", ntfy.topicUrl("owner-topic")))
                            .status())
                    .isEqualTo(200);
            assertThat(resident.browser()
                            .putJson(
                                    path,
                                    Map.of("url", ntfy.topicUrl("resident-topic"), "doorbells", List.of(deviceId)))
                            .status())
                    .isEqualTo(200);
            assertThat(browser.get(path).body()).doesNotContain("owner-topic").contains("localhost");
            assertThat(resident.browser()
                            .get(path)
                            .json()
                            .get("doorbells")
                            .get(0)
                            .asString())
                    .isEqualTo(deviceId);

            doorbell.pressButton().orElseThrow();
            assertThat(await(() -> ntfy.postsTo("owner-topic") == 1 && ntfy.postsTo("resident-topic") == 1))
                    .isTrue();
            NtfyStandIn.Post post = ntfy.posts.getFirst();
            assertThat(post.body()).isEqualTo("Front door rang");
            assertThat(post.contentType()).startsWith("text/plain");

            // The resident chooses no doorbell: the next ring reaches only the owner.
            resident.browser().putJson(path, Map.of("url", ntfy.topicUrl("resident-topic"), "doorbells", List.of()));
            doorbell.pressButton().orElseThrow();
            assertThat(await(() -> ntfy.postsTo("owner-topic") == 2)).isTrue();

            // Removed from the household: the topic goes with the membership.
            resident.browser().putJson(path, Map.of("url", ntfy.topicUrl("resident-topic")));
            String residentId = accountIdOf(browser, owner, "resident");
            assertThat(browser.delete("/api/households/" + owner.householdId() + "/members/" + residentId)
                            .status())
                    .isEqualTo(204);
            // Removal signs the member out everywhere; their topic gets no ring from now on.
            assertThat(resident.browser().get(path).status()).isEqualTo(401);
            doorbell.pressButton().orElseThrow();
            assertThat(await(() -> ntfy.postsTo("owner-topic") == 3)).isTrue();
            Thread.sleep(300);
            assertThat(ntfy.postsTo("resident-topic")).isEqualTo(1);

            // The owner turns it off.
            assertThat(browser.delete(path).status()).isEqualTo(204);
            assertThat(browser.get(path).json().get("enabled").asBoolean()).isFalse();

            // The chime rings at the press; a member silences it; it rings again at 0 (or when the time is up).
            long rings = doorbell.chime().rings();
            doorbell.pressButton().orElseThrow();
            assertThat(doorbell.chime().rings()).isEqualTo(rings + 1);
            String chime = "/api/devices/" + deviceId + "/chime/silence";
            assertThat(browser.postJson(chime, Map.of("minutes", -1)).status()).isEqualTo(400);
            assertThat(browser.postJson(chime, Map.of("minutes", 721)).status()).isEqualTo(400);
            assertThat(browser.postJson(chime, Map.of()).status()).isEqualTo(400);
            assertThat(browser.postJson(chime, Map.of("minutes", 30)).status()).isEqualTo(202);
            assertThat(await(() -> doorbell.chime().silencedUntil().isPresent()))
                    .isTrue();
            doorbell.pressButton().orElseThrow();
            assertThat(doorbell.chime().rings()).isEqualTo(rings + 1);
            assertThat(browser.get("/api/audit?householdId=" + owner.householdId())
                            .body())
                    .contains("chime-silenced");
            assertThat(browser.postJson(chime, Map.of("minutes", 0)).status()).isEqualTo(202);
            assertThat(await(() -> doorbell.chime().silencedUntil().isEmpty())).isTrue();
            doorbell.pressButton().orElseThrow();
            assertThat(doorbell.chime().rings()).isEqualTo(rings + 2);
        }
    }

    private static Household join(TestHub hub, Household owner, String username) {
        String link = owner.browser()
                .postJson("/api/households/" + owner.householdId() + "/invitations", Map.of("role", "resident"))
                .json()
                .get("link")
                .asString();
        Household member = Household.signUp(hub, username);
        assertThat(member.browser()
                        .postJson(
                                "/api/invitations/accept",
                                Map.of("token", link.substring(link.indexOf("#invite=") + "#invite=".length())))
                        .status())
                .isEqualTo(200);
        return member;
    }

    private static String accountIdOf(BrowserClient browser, Household owner, String username) {
        for (var member : browser.get("/api/households/" + owner.householdId() + "/members")
                .json()) {
            if (member.get("username").asString().equals(username)) {
                return member.get("accountId").asString();
            }
        }
        throw new AssertionError("no member " + username);
    }

    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }
}
