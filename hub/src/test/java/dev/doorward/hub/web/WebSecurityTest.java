package dev.doorward.hub.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.policy.RoutePolicy;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The browser side's rules: deny by default, no default account, a one-time setup link, CSRF, throttled
 * sign-in, hardened cookies and headers, and a policy for every route — generated from the route list so
 * that a new route without a policy fails this test.
 */
class WebSecurityTest {
    @TempDir
    static Path dir;

    static TestHub hub;
    static Household owner;
    static Household neighbour;

    /** Every route the hub serves, with who may use it: see {@link RoutePolicy#POLICY}. */
    static final Map<String, String> POLICY = RoutePolicy.POLICY;

    @BeforeAll
    static void start() {
        hub = TestHub.start(dir, Map.of("doorward.open-signup", "true", "doorward.http-redirect-port", "0"));
        owner = Household.firstOwner(hub);
        neighbour = Household.signUp(hub, "neighbour");
    }

    @AfterAll
    static void stop() {
        hub.close();
    }

    @Test
    void everyRouteHasAPolicy() {
        assertThat(RoutePolicy.routesServedBy(hub)).containsExactlyInAnyOrderElementsOf(POLICY.keySet());
    }

    @Test
    void anOutsiderGetsNothing() {
        BrowserClient outsider = hub.browser();
        String household = owner.householdId();
        assertThat(outsider.get("/api/devices").status()).isEqualTo(401);
        assertThat(outsider.get("/api/events?householdId=" + household).status())
                .isEqualTo(401);
        assertThat(outsider.get("/api/audit?householdId=" + household).status()).isEqualTo(401);
        assertThat(outsider.get("/api/claims/AAAAAAAAAAAAAAAAAAAAAA").status()).isEqualTo(401);
        assertThat(outsider.startClaim(household, "1357924680").status()).isEqualTo(401);
        assertThat(outsider.get("/api/stream").status()).isEqualTo(401);
        assertThat(outsider.get("/api/session").json().get("signedIn").asBoolean())
                .isFalse();
        // Anything not listed is denied, not served.
        assertThat(outsider.get("/actuator").status()).isIn(401, 403, 404);
        assertThat(outsider.get("/secret.txt").status()).isIn(401, 403, 404);
    }

    @Test
    void anotherHouseholdGetsTheSameAnswerAsForAnUnknownId() {
        String ownersHousehold = owner.householdId();
        String unknown = "AAAAAAAAAAAAAAAAAAAAAA";
        BrowserClient other = neighbour.browser();
        BrowserClient.Response forbidden = other.get("/api/events?householdId=" + ownersHousehold);
        BrowserClient.Response missing = other.get("/api/events?householdId=" + unknown);
        assertThat(forbidden.status()).isEqualTo(404);
        assertThat(forbidden.body()).isEqualTo(missing.body());
        assertThat(other.get("/api/audit?householdId=" + ownersHousehold).status())
                .isEqualTo(404);
        assertThat(other.startClaim(ownersHousehold, "1357924680").status()).isEqualTo(404);
        // A claim handle belongs to the account that started it.
        String handle = owner.browser()
                .startClaim(ownersHousehold, "1357924680")
                .json()
                .get("handle")
                .stringValue();
        assertThat(other.get("/api/claims/" + handle).status()).isEqualTo(404);
        assertThat(owner.browser().get("/api/claims/" + handle).status()).isEqualTo(200);
    }

    /** Signing out ends the browser session, and the hub closes the sockets opened with it (BrowserSessionsTest). */
    @Test
    void signingOutEndsTheLiveStreamAtOnce() {
        BrowserClient browser = hub.browser();
        assertThat(browser.login(owner.username(), Household.PASSWORD).status()).isEqualTo(204);
        BrowserClient.Stream stream = browser.openStream();
        assertThat(stream.awaitType("hello", java.time.Duration.ofSeconds(5))).isPresent();
        assertThat(stream.closed()).isFalse();
        assertThat(browser.postJson("/api/logout", Map.of()).status()).isEqualTo(204);
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (!stream.closed() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(stream.closed()).as("stream closed after sign-out").isTrue();
    }

    @Test
    void writesWithoutTheCsrfTokenAreRefused() {
        BrowserClient browser = owner.browser();
        HttpRequest request = HttpRequest.newBuilder(browser.base().resolve("/api/claims"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"householdId\":\"" + owner.householdId() + "\",\"setupCode\":\"1357924680\"}"))
                .build();
        assertThat(browser.sendWithoutCsrf(request).status()).isEqualTo(403);
    }

    @Test
    void theSetupLinkWorksOnceAndOnlyWhileThereIsNoAccount() {
        BrowserClient stranger = hub.browser();
        assertThat(stranger.setup(hub.setupToken(), "intruder", "another long password")
                        .status())
                .isEqualTo(400);
        assertThat(stranger.setup("not-a-token", "intruder", "another long password")
                        .status())
                .isEqualTo(400);
        assertThat(stranger.login("intruder", "another long password").status()).isEqualTo(401);
        assertThat(stranger.get("/api/session").json().get("setupPending").asBoolean())
                .isFalse();
    }

    @Test
    void passwordGuessingIsThrottledWithRetryAfter() {
        Household target = Household.signUp(hub, "target");
        BrowserClient guesser = hub.browser();
        int status = 0;
        BrowserClient.Response last = null;
        for (int i = 0; i < 10 && status != 429; i++) {
            last = guesser.login("target", "wrong password " + i);
            status = last.status();
        }
        assertThat(status).isEqualTo(429);
        assertThat(last.header("Retry-After")).isPresent();
        // Even the right password waits until the window reopens.
        assertThat(guesser.login("target", Household.PASSWORD).status()).isEqualTo(429);
        assertThat(target.browser().get("/api/devices").status()).isEqualTo(200);
    }

    @Test
    void sessionCookieIsHardenedAndRotatedAtSignIn() {
        BrowserClient browser = hub.browser();
        BrowserClient.Response login = browser.login(owner.username(), Household.PASSWORD);
        assertThat(login.status()).isEqualTo(204);
        String setCookie = String.join("\n", login.headers().allValues("Set-Cookie"));
        assertThat(setCookie)
                .contains("__Host-doorward-session=")
                .contains("Secure")
                .contains("HttpOnly")
                .contains("SameSite=Strict")
                .contains("Path=/")
                // Persistent: closing the browser does not sign out (it lasts as long as a session may).
                .contains("Max-Age=" + java.time.Duration.ofDays(90).toSeconds());
        String first = browser.cookie("__Host-doorward-session").orElseThrow().getValue();
        // Signing in again on an existing session must not keep its id (session fixation).
        assertThat(browser.login(owner.username(), Household.PASSWORD).status()).isEqualTo(204);
        String second = browser.cookie("__Host-doorward-session").orElseThrow().getValue();
        assertThat(second).isNotEqualTo(first);
    }

    @Test
    void pagesCarryStrictSecurityHeaders() {
        BrowserClient.Response page = hub.browser().get("/");
        assertThat(page.status()).isEqualTo(200);
        String csp = page.header("Content-Security-Policy").orElseThrow();
        assertThat(csp)
                .contains("script-src 'self'")
                .contains("frame-ancestors 'none'")
                .doesNotContain("unsafe-inline");
        assertThat(page.header("Strict-Transport-Security")).isPresent();
        assertThat(page.header("X-Frame-Options")).contains("DENY");
        assertThat(page.header("X-Content-Type-Options")).contains("nosniff");
        assertThat(page.header("Referrer-Policy")).contains("no-referrer");
        assertThat(page.body()).doesNotContain("<script>").contains("type=\"module\"");
    }

    @Test
    void plainHttpOnlyRedirects() throws Exception {
        int port = hub.bean(HubPorts.class).redirectPort();
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/session?x=1"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(301);
        assertThat(response.headers().firstValue("Location")).contains("https://localhost:" + hub.browserPort() + "/");
        assertThat(response.body()).isEmpty();
    }

    @Test
    void editingAStoredAuditEntryBreaksTheChain() {
        Household victim = Household.signUp(hub, "audited");
        AuditLog audit = hub.bean(AuditLog.class);
        audit.record(victim.householdId(), "account:x", "door-released", "Door opened by x");
        audit.record(victim.householdId(), "account:y", "signed-in", "y signed in");
        assertThat(audit.firstBrokenEntry(victim.householdId())).isEmpty();

        hub.bean(JdbcClient.class)
                .sql(
                        "update audit_log set detail = 'Nothing happened' where chain = :chain and action = 'door-released'")
                .param("chain", victim.householdId())
                .update();

        assertThat(audit.firstBrokenEntry(victim.householdId())).isPresent();
        assertThat(victim.browser()
                        .get("/api/audit?householdId=" + victim.householdId())
                        .json()
                        .get("chainIntact")
                        .asBoolean())
                .isFalse();
    }

    @Test
    void aDoorbellCanOnlyBePinnedToABrowserOfTheClaimingAccount() {
        String neighbourKey = neighbour.browser().registerClient();
        BrowserClient owners = owner.browser();
        // Not a key, not P-256: refused.
        assertThat(owners.postJson("/api/clients", Map.of("signingKey", "AAAA", "agreementKey", "AAAA"))
                        .status())
                .isEqualTo(400);
        // The neighbour's browser key cannot be pinned by the owner's claim, nor an unknown one.
        for (String key : new String[] {neighbourKey, "A".repeat(43), "-"}) {
            BrowserClient.Response claim = owners.postJson(
                    "/api/claims",
                    Map.of("householdId", owner.householdId(), "setupCode", "1357924680", "ownerKeyFingerprint", key));
            assertThat(claim.status()).as(key).isEqualTo(400);
        }
        // The owner's own browsers list only the owner's keys.
        String ownKey = owners.registerClient();
        assertThat(owners.get("/api/clients").body()).contains(ownKey).doesNotContain(neighbourKey);
        assertThat(hub.browser().get("/api/clients").status()).isEqualTo(401);
    }

    @Test
    void badInputGetsAProblemResponse() {
        BrowserClient browser = owner.browser();
        BrowserClient.Response shortCode = browser.startClaim(owner.householdId(), "123");
        assertThat(shortCode.status()).isEqualTo(400);
        assertThat(shortCode.json().get("detail").stringValue())
                .contains("10 digits")
                .doesNotContain("123");
        assertThat(browser.postJson("/api/accounts", Map.of("username", "x", "password", "short"))
                        .status())
                .isEqualTo(400);
    }
}
