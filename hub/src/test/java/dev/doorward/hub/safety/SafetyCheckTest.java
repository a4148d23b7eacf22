package dev.doorward.hub.safety;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.device.DeviceAgent;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import java.net.HttpCookie;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The safety check: an admin sees every member, browser, signed-in session and open invitation of the
 * household in one listing and revokes any of them; nobody else learns it exists, and no session id leaves
 * the hub.
 */
class SafetyCheckTest {
    @TempDir
    Path dir;

    @Test
    void listsEverythingAndRevokesEachKind() throws Exception {
        try (TestHub hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"))) {
            JdbcClient jdbc = hub.bean(JdbcClient.class);
            Household owner = Household.firstOwner(hub);
            DeviceAgent doorbell = owner.claim(hub, hub.mintDevice("front"));
            BrowserClient ownerBrowser = owner.browser();
            String household = owner.householdId();
            String base = "/api/households/" + household;
            Household neighbour = Household.signUp(hub, "neighbour");

            // A resident with two signed-in browsers; the first registered its keys and is approved.
            Household resident = join(hub, owner, "resident-one", "resident");
            BrowserClient residentFirst = resident.browser();
            residentFirst.registerClient();
            Thread.sleep(20);
            BrowserClient residentSecond = hub.browser();
            assertThat(residentSecond.login("resident-one", Household.PASSWORD).status())
                    .isEqualTo(204);
            // Another member whose browser is registered but not (yet) approved.
            Household unapproved = join(hub, owner, "waiting", "guest");
            unapproved.browser().registerClient();
            assertThat(ownerBrowser
                            .signRoster(
                                    household,
                                    Map.of(ownerBrowser.clientId(), "owner", residentFirst.clientId(), "resident"))
                            .status())
                    .isEqualTo(201);
            String deviceId = doorbell.deviceId().orElseThrow();
            assertThat(await(() -> count(
                                    jdbc,
                                    "select count(*) from media_keys where client_id = '" + residentFirst.clientId()
                                            + "' and device_id = '" + deviceId + "'")
                            > 0))
                    .isTrue();

            // Invitations: one used (by "waiting"), one expired, one open.
            String expiredToken = tokenOf(invite(ownerBrowser, household, "resident"));
            jdbc.sql("update invitations set expires_at = now() - interval '1 minute' where used_at is null")
                    .update();
            String openToken = tokenOf(invite(ownerBrowser, household, "admin"));

            BrowserClient.Response listing = ownerBrowser.get(base + "/safety-check");
            assertThat(listing.status()).as(listing.body()).isEqualTo(200);
            JsonNode check = listing.json();
            assertThat(usernames(check.get("members"))).containsExactly("owner", "resident-one", "waiting");
            assertThat(check.get("members").get(0).get("role").stringValue()).isEqualTo("owner");
            assertThat(check.get("members").get(0).get("since").stringValue()).isNotBlank();

            JsonNode browsers = check.get("browsers");
            assertThat(browsers).hasSize(3);
            assertThat(approvedOf(browsers, ownerBrowser.clientId())).isTrue();
            assertThat(approvedOf(browsers, residentFirst.clientId())).isTrue();
            assertThat(approvedOf(browsers, unapproved.browser().clientId())).isFalse();

            List<JsonNode> residentSessions = new ArrayList<>();
            int current = 0;
            for (JsonNode s : check.get("sessions")) {
                // Each session says which browser it is, as the member's own session list does.
                assertThat(s.get("browserName").stringValue()).isNotBlank();
                if (s.get("username").stringValue().equals("resident-one")) {
                    residentSessions.add(s);
                }
                if (s.get("current").asBoolean()) {
                    current++;
                    assertThat(s.get("username").stringValue()).isEqualTo("owner");
                }
                assertThat(s.get("signedInAt").stringValue()).isNotBlank();
                assertThat(s.get("lastSeenAt").stringValue()).isNotBlank();
            }
            assertThat(residentSessions).hasSize(2);
            assertThat(current).isEqualTo(1);
            // The neighbour's session is not this household's business.
            assertThat(usernames(check.get("sessions"))).doesNotContain("neighbour");

            JsonNode invitations = check.get("invitations");
            assertThat(invitations).hasSize(1);
            assertThat(invitations.get(0).get("role").stringValue()).isEqualTo("admin");
            assertThat(invitations.get(0).get("createdBy").stringValue()).isEqualTo("owner");

            // No cookie value (session or CSRF) and no invitation token appears in the answer.
            List<BrowserClient> everyone =
                    List.of(ownerBrowser, residentFirst, residentSecond, unapproved.browser(), neighbour.browser());
            for (BrowserClient b : everyone) {
                for (String name : List.of("__Host-doorward-session", "__Host-XSRF-TOKEN")) {
                    b.cookie(name)
                            .map(HttpCookie::getValue)
                            .ifPresent(value -> assertThat(listing.body()).doesNotContain(value));
                }
            }
            assertThat(listing.body()).doesNotContain(openToken).doesNotContain(expiredToken);

            // Nobody but the owner and admins: a resident and a neighbour get the unknown household's 404,
            // the anonymous 401, on every route.
            String unknown = "/api/households/AAAAAAAAAAAAAAAAAAAAAA/safety-check";
            String notFound = neighbour.browser().get(unknown).body().replace(unknown, base + "/safety-check");
            String invitationRef = invitations.get(0).get("invitationRef").stringValue();
            String sessionRef = residentSessions.get(0).get("sessionRef").stringValue();
            List<String> routes = List.of(
                    base + "/invitations/" + invitationRef,
                    base + "/sessions/" + sessionRef,
                    base + "/browsers/" + residentFirst.clientId());
            for (BrowserClient outsider : List.of(residentFirst, neighbour.browser())) {
                BrowserClient.Response answer = outsider.get(base + "/safety-check");
                assertThat(answer.status()).isEqualTo(404);
                assertThat(answer.body()).isEqualTo(notFound);
                for (String route : routes) {
                    assertThat(delete(outsider, route).status()).as(route).isEqualTo(404);
                }
            }
            BrowserClient anonymous = hub.browser();
            assertThat(anonymous.get(base + "/safety-check").status()).isEqualTo(401);
            for (String route : routes) {
                assertThat(delete(anonymous, route).status()).as(route).isEqualTo(401);
            }
            // Nothing was revoked by them.
            assertThat(ownerBrowser.get(base + "/safety-check").json().get("invitations"))
                    .hasSize(1);

            BrowserClient.Stream ownerStream = ownerBrowser.openStream();
            assertThat(ownerStream.awaitType("hello", Duration.ofSeconds(5))).isPresent();

            // Revoking the invitation: its link no longer works.
            assertThat(delete(ownerBrowser, base + "/invitations/" + invitationRef)
                            .status())
                    .isEqualTo(204);
            assertThat(delete(ownerBrowser, base + "/invitations/" + invitationRef)
                            .status())
                    .isEqualTo(404);
            assertThat(ownerStream.awaitType("security-alert", Duration.ofSeconds(5)))
                    .isPresent();
            BrowserClient latecomer = Household.signUp(hub, "latecomer").browser();
            assertThat(latecomer
                            .postJson("/api/invitations/accept", Map.of("token", openToken))
                            .status())
                    .isEqualTo(400);
            assertThat(ownerBrowser.get(base + "/safety-check").json().get("invitations"))
                    .isEmpty();

            // Ending the resident's later session: that browser is signed out, the other one is not.
            JsonNode later = residentSessions.stream()
                    .max((a, b) -> a.get("signedInAt")
                            .stringValue()
                            .compareTo(b.get("signedInAt").stringValue()))
                    .orElseThrow();
            assertThat(residentSecond.get(base + "/members").status()).isEqualTo(200);
            assertThat(delete(
                                    ownerBrowser,
                                    base + "/sessions/"
                                            + later.get("sessionRef").stringValue())
                            .status())
                    .isEqualTo(204);
            assertThat(residentSecond.get(base + "/members").status()).isEqualTo(401);
            assertThat(residentFirst.get(base + "/members").status()).isEqualTo(200);
            assertThat(ownerBrowser.get(base + "/safety-check").json().get("sessions"))
                    .filteredOn(s -> s.get("username").stringValue().equals("resident-one"))
                    .hasSize(1);
            assertThat(ownerStream.awaitType("security-alert", Duration.ofSeconds(5)))
                    .isPresent();

            // Revoking the resident's approved browser: its registration and envelopes go, and it is signed out
            // (a lost phone); the resident's other browser stays signed in.
            BrowserClient residentThird = hub.browser();
            assertThat(residentThird.login("resident-one", Household.PASSWORD).status())
                    .isEqualTo(204);
            BrowserClient.Stream revokedStream = residentFirst.openStream();
            assertThat(revokedStream.awaitType("hello", Duration.ofSeconds(5))).isPresent();
            String revokedClient = residentFirst.clientId();
            assertThat(delete(ownerBrowser, base + "/browsers/" + revokedClient).status())
                    .isEqualTo(204);
            assertThat(residentFirst.get(base + "/members").status()).isEqualTo(401);
            assertThat(await(revokedStream::closed)).isTrue();
            assertThat(residentThird.get(base + "/members").status()).isEqualTo(200);
            assertThat(count(jdbc, "select count(*) from member_clients where id = '" + revokedClient + "'"))
                    .isZero();
            assertThat(count(jdbc, "select count(*) from media_keys where client_id = '" + revokedClient + "'"))
                    .isZero();
            assertThat(ownerBrowser.get(base + "/safety-check").json().get("browsers"))
                    .hasSize(2)
                    .noneMatch(b -> b.get("clientId").stringValue().equals(revokedClient));
            assertThat(delete(ownerBrowser, base + "/browsers/" + revokedClient).status())
                    .isEqualTo(404);
            // A browser of another household's member is not found here.
            String neighbourClient = neighbour.browser().registerClient();
            assertThat(neighbourClient).isNotBlank();
            assertThat(delete(
                                    ownerBrowser,
                                    base + "/browsers/" + neighbour.browser().clientId())
                            .status())
                    .isEqualTo(404);
            // The admin's browser signs a roster without it, as the web app does.
            assertThat(ownerBrowser
                            .signRoster(household, Map.of(ownerBrowser.clientId(), "owner"))
                            .status())
                    .isEqualTo(201);

            // Every revoke is in the household's audit log.
            assertThat(count(
                            jdbc,
                            "select count(*) from audit_log where chain = '" + household
                                    + "' and action in ('invitation-revoked', 'session-ended', 'browser-revoked')"))
                    .isEqualTo(3);

            // Ending one's own current session is allowed: the owner is signed out in this browser.
            String own = null;
            for (JsonNode s : ownerBrowser.get(base + "/safety-check").json().get("sessions")) {
                if (s.get("current").asBoolean()) {
                    own = s.get("sessionRef").stringValue();
                }
            }
            assertThat(delete(ownerBrowser, base + "/sessions/" + own).status()).isEqualTo(204);
            assertThat(ownerBrowser.get(base + "/members").status()).isEqualTo(401);
        }
    }

    // ---- helpers

    private static BrowserClient.Response delete(BrowserClient browser, String path) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(browser.base().resolve(path)).DELETE();
        if (browser.csrfToken().isEmpty()) {
            browser.get("/api/session");
        }
        browser.csrfToken().ifPresent(token -> request.header("X-XSRF-TOKEN", token));
        return browser.sendRaw(request.build());
    }

    private static String invite(BrowserClient admin, String household, String role) {
        BrowserClient.Response invited =
                admin.postJson("/api/households/" + household + "/invitations", Map.of("role", role));
        assertThat(invited.status()).isEqualTo(201);
        return invited.json().get("link").stringValue();
    }

    private static String tokenOf(String link) {
        return link.substring(link.indexOf("#invite=") + "#invite=".length());
    }

    private static Household join(TestHub hub, Household owner, String username, String role) {
        String token = tokenOf(invite(owner.browser(), owner.householdId(), role));
        Household member = Household.signUp(hub, username);
        assertThat(member.browser()
                        .postJson("/api/invitations/accept", Map.of("token", token))
                        .status())
                .isEqualTo(200);
        return member;
    }

    private static List<String> usernames(JsonNode entries) {
        List<String> names = new ArrayList<>();
        entries.forEach(e -> names.add(e.get("username").stringValue()));
        return names;
    }

    private static boolean approvedOf(JsonNode browsers, String clientId) {
        for (JsonNode b : browsers) {
            if (b.get("clientId").stringValue().equals(clientId)) {
                return b.get("approved").asBoolean();
            }
        }
        throw new AssertionError("browser " + clientId + " not listed");
    }

    private static long count(JdbcClient jdbc, String sql) {
        return jdbc.sql(sql).query(Long.class).single();
    }

    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}
