package dev.doorward.hub.account;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.testing.MutableClock;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Accounts people can keep safe (issue 14, items 4 and 5), on one hub with open sign-up off: an invitation link is
 * enough to create an account; a password change needs the current one and ends the other sessions; a member sees
 * and ends their own sessions and names their browsers; a member who lost their password gets back in with a
 * single-use re-entry link an admin issues, the owner with their recovery code. Passkeys are PasskeyInBrowserTest's
 * (e2e, a real authenticator), their routes' outsiders are here.
 */
class AccountSafetyTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String NEW_PASSWORD = "a brand new password";
    private static final String FIREFOX_ANDROID =
            "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @TempDir
    static Path dir;

    static MutableClock clock = MutableClock.startingNow();
    static TestHub hub;
    static Household owner;
    static String ownerRecoveryCode;

    @BeforeAll
    static void start() {
        hub = TestHub.start(dir, Map.of(), clock);
        BrowserClient browser = hub.browser();
        BrowserClient.Response setup = browser.setup(hub.setupToken(), "owner", Household.PASSWORD);
        assertThat(setup.status()).isEqualTo(201);
        ownerRecoveryCode = setup.json().get("recoveryCode").stringValue();
        assertThat(browser.login("owner", Household.PASSWORD).status()).isEqualTo(204);
        owner = new Household(browser, "owner", browser.householdId());
    }

    @AfterAll
    static void stop() {
        if (hub != null) {
            hub.close();
        }
    }

    @BeforeEach
    void relaxThrottles() {
        RateLimiter limiter = hub.bean(RateLimiter.class);
        for (String address : List.of("127.0.0.1", "0:0:0:0:0:0:0:1", "::1")) {
            for (RateLimit limit : List.of(
                    RateLimit.LOGIN_PER_ADDRESS,
                    RateLimit.ONE_TIME_SECRETS_PER_ADDRESS,
                    RateLimit.SETUP_PER_ADDRESS,
                    RateLimit.PASSKEY_SIGN_IN_PER_ADDRESS)) {
                limiter.reset(limit, address);
            }
        }
    }

    // ---- item 4: invitations without an account

    @Test
    void anInvitationLinkCreatesAnAccountWithSignUpClosedOnceOnly() {
        assertThat(hub.browser().signUp("walkin", Household.PASSWORD).status())
                .as("open sign-up is off")
                .isEqualTo(404);
        String token = invitation("resident");
        BrowserClient partner = hub.browser();
        BrowserClient.Response created = invitedSignUp(partner, token, "partner");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("householdId").stringValue()).isEqualTo(owner.householdId());

        assertThat(partner.login("partner", Household.PASSWORD).status()).isEqualTo(204);
        JsonNode session = partner.get("/api/session").json();
        // A member of the inviting household, and of nothing else: no household of their own.
        assertThat(session.get("households")).hasSize(1);
        assertThat(session.get("households").get(0).get("id").stringValue()).isEqualTo(owner.householdId());
        assertThat(session.get("households").get(0).get("role").stringValue()).isEqualTo("resident");
        // Their browser registers and waits for approval as always: not in the roster.
        partner.registerClient();
        assertThat(approved(partner)).isFalse();
        assertThat(auditActions()).contains("member-added");

        // Spent: a second sign-up with the same link creates nothing.
        BrowserClient.Response again = invitedSignUp(hub.browser(), token, "partner2");
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.json().get("detail").stringValue()).contains("not valid");
        assertThat(hub.browser().login("partner2", Household.PASSWORD).status()).isEqualTo(401);
    }

    @Test
    void expiredForgedAndMalformedInvitationsAreRefusedAndCreateNothing() {
        String expiring = invitation("guest");
        clock.advance(Duration.ofHours(25));
        BrowserClient.Response expired = invitedSignUp(hub.browser(), expiring, "late1");
        assertThat(expired.status()).isEqualTo(400);
        assertThat(expired.json().get("detail").stringValue()).contains("used, expired or unknown");
        BrowserClient.Response forged = invitedSignUp(hub.browser(), expiring.substring(1) + "A", "forger1");
        assertThat(forged.status()).isEqualTo(400);
        BrowserClient.Response malformed = invitedSignUp(hub.browser(), "x".repeat(500), "forger2");
        assertThat(malformed.status()).isEqualTo(400);
        // A good invitation with a bad password is refused without spending the invitation.
        String good = invitation("guest");
        BrowserClient.Response weak = hub.browser()
                .postJson(
                        "/api/invitations/sign-up", Map.of("token", good, "username", "weakling", "password", "short"));
        assertThat(weak.status()).isEqualTo(400);
        assertThat(invitedSignUp(hub.browser(), good, "weakling").status()).isEqualTo(201);
        for (String username : List.of("late1", "forger1", "forger2")) {
            assertThat(hub.browser().login(username, Household.PASSWORD).status())
                    .isEqualTo(401);
        }
    }

    @Test
    void invitationGuessesAreRateLimitedPerAddress() {
        int refused = 0;
        int limited = 0;
        for (int i = 0; i < RateLimit.ONE_TIME_SECRETS_PER_ADDRESS.capacity() + 2; i++) {
            int status =
                    invitedSignUp(hub.browser(), "guess" + i, "guesser" + i).status();
            if (status == 400) {
                refused++;
            } else if (status == 429) {
                limited++;
            }
        }
        assertThat(refused).isEqualTo(RateLimit.ONE_TIME_SECRETS_PER_ADDRESS.capacity());
        assertThat(limited).isEqualTo(2);
    }

    // ---- item 5: password change

    @Test
    void changingThePasswordNeedsTheCurrentOneEndsOtherSessionsAndKeepsThisOne() {
        String username = "changer" + COUNTER.incrementAndGet();
        BrowserClient here = member(username, "resident");
        BrowserClient elsewhere = hub.browser();
        assertThat(elsewhere.login(username, Household.PASSWORD).status()).isEqualTo(204);
        BrowserClient.Stream elsewhereStream = elsewhere.openStream();
        BrowserClient.Stream hereStream = here.openStream();
        assertThat(elsewhereStream.awaitType("hello", WAIT)).isPresent();
        assertThat(hereStream.awaitType("hello", WAIT)).isPresent();

        BrowserClient.Response wrong = here.putJson(
                "/api/account/password", Map.of("currentPassword", "not my password", "newPassword", NEW_PASSWORD));
        assertThat(wrong.status()).isEqualTo(400);
        assertThat(wrong.json().get("detail").stringValue()).isEqualTo("Wrong password");
        BrowserClient.Response tooShort = here.putJson(
                "/api/account/password", Map.of("currentPassword", Household.PASSWORD, "newPassword", "short"));
        assertThat(tooShort.status()).isEqualTo(400);
        assertThat(elsewhere.get("/api/devices").status())
                .as("nothing changed yet")
                .isEqualTo(200);

        BrowserClient.Response changed = here.putJson(
                "/api/account/password", Map.of("currentPassword", Household.PASSWORD, "newPassword", NEW_PASSWORD));
        assertThat(changed.status()).as(changed.body()).isEqualTo(204);
        assertThat(await(elsewhereStream::closed))
                .as("the other browser's socket closed")
                .isTrue();
        assertThat(elsewhere.get("/api/devices").status()).isEqualTo(401);
        assertThat(here.get("/api/devices").status())
                .as("this browser stays signed in")
                .isEqualTo(200);
        assertThat(hereStream.closed()).isFalse();
        assertThat(hereStream.await(
                        m -> "password-changed".equals(m.path("alert").asString("")), WAIT))
                .as("the member is alerted")
                .isPresent();
        assertThat(hub.browser().login(username, Household.PASSWORD).status()).isEqualTo(401);
        assertThat(hub.browser().login(username, NEW_PASSWORD).status()).isEqualTo(204);
        assertThat(auditActions()).contains("password-changed", "password-change-refused");
        hereStream.close();
    }

    @Test
    void wrongCurrentPasswordsAreThrottledLikeSignIns() {
        String username = "throttled" + COUNTER.incrementAndGet();
        BrowserClient here = member(username, "guest");
        int limit = RateLimit.LOGIN_PER_ADDRESS_AND_ACCOUNT.capacity();
        for (int i = 0; i < limit; i++) {
            assertThat(here.putJson(
                                    "/api/account/password",
                                    Map.of("currentPassword", "guess " + i, "newPassword", NEW_PASSWORD))
                            .status())
                    .isEqualTo(400);
        }
        BrowserClient.Response limited = here.putJson(
                "/api/account/password", Map.of("currentPassword", Household.PASSWORD, "newPassword", NEW_PASSWORD));
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.header("Retry-After")).isPresent();
        // The password signing in from here is held up the same way: one allowance for both.
        assertThat(hub.browser().login(username, Household.PASSWORD).status()).isEqualTo(429);
    }

    // ---- item 5: own sessions and browser names

    @Test
    void aMemberSeesNamesAndEndsTheirOwnSessionsOnly() {
        String username = "sessions" + COUNTER.incrementAndGet();
        BrowserClient here = member(username, "resident");
        BrowserClient phone = hub.browser();
        assertThat(loginAs(phone, username, FIREFOX_ANDROID).status()).isEqualTo(204);

        JsonNode own = here.get("/api/account/sessions").json();
        assertThat(own).hasSize(2);
        JsonNode phoneSession = null;
        for (JsonNode s : own) {
            if (!s.get("current").asBoolean()) {
                phoneSession = s;
            }
        }
        assertThat(phoneSession).isNotNull();
        assertThat(phoneSession.get("browserName").stringValue()).isEqualTo("Firefox on Android");
        assertThat(own.toString())
                .doesNotContain(
                        phone.cookie("__Host-doorward-session").orElseThrow().getValue());

        // Someone else's reference ends nothing (and says nothing more than 204).
        String ref = phoneSession.get("sessionRef").stringValue();
        assertThat(owner.browser().delete("/api/account/sessions/" + ref).status())
                .isEqualTo(204);
        assertThat(phone.get("/api/devices").status()).isEqualTo(200);
        assertThat(hub.browser().delete("/api/account/sessions/" + ref).status())
                .isEqualTo(401);

        assertThat(here.delete("/api/account/sessions/" + ref).status()).isEqualTo(204);
        assertThat(phone.get("/api/devices").status()).isEqualTo(401);
        assertThat(here.get("/api/account/sessions").json()).hasSize(1);

        // The browser's key registration is named after its User-Agent and renamable by its owner only.
        BrowserClient.Response registered = phone.get("/api/session");
        assertThat(registered.status()).isEqualTo(200);
        assertThat(loginAs(phone, username, FIREFOX_ANDROID).status()).isEqualTo(204);
        BrowserClient.Response client =
                phone.sendRaw(HttpRequest.newBuilder(phone.base().resolve("/api/clients"))
                        .header("User-Agent", FIREFOX_ANDROID)
                        .header("Content-Type", "application/json")
                        .header("X-XSRF-TOKEN", phone.csrfToken().orElseThrow())
                        .POST(HttpRequest.BodyPublishers.ofString(clientKeysJson()))
                        .build());
        assertThat(client.status()).as(client.body()).isEqualTo(201);
        assertThat(client.json().get("label").stringValue()).isEqualTo("Firefox on Android");
        String clientId = client.json().get("id").stringValue();
        assertThat(owner.browser()
                        .putJson("/api/clients/" + clientId + "/label", Map.of("label", "Not yours"))
                        .status())
                .isEqualTo(404);
        assertThat(phone.putJson("/api/clients/" + clientId + "/label", Map.of("label", "x".repeat(65)))
                        .status())
                .isEqualTo(400);
        BrowserClient.Response renamed =
                phone.putJson("/api/clients/" + clientId + "/label", Map.of("label", "Kitchen tablet"));
        assertThat(renamed.status()).isEqualTo(200);
        assertThat(renamed.json().get("label").stringValue()).isEqualTo("Kitchen tablet");
    }

    // ---- item 5: recovery

    @Test
    void aReEntryLinkWorksOnceEndsEverySessionAndTheRecoveredBrowserIsNew() {
        String username = "forgetful" + COUNTER.incrementAndGet();
        BrowserClient old = member(username, "resident");
        String accountId = old.get("/api/session").json().get("accountId").stringValue();
        BrowserClient.Stream oldStream = old.openStream();
        assertThat(oldStream.awaitType("hello", WAIT)).isPresent();

        BrowserClient.Response issued = owner.browser()
                .postJson(
                        "/api/households/" + owner.householdId() + "/members/" + accountId + "/recovery-link",
                        Map.of());
        assertThat(issued.status()).as(issued.body()).isEqualTo(201);
        String link = issued.json().get("link").stringValue();
        assertThat(link).contains("#recover=");
        String token = link.substring(link.indexOf("#recover=") + "#recover=".length());
        assertThat(oldStream.await(
                        m -> "recovery-link-issued".equals(m.path("alert").asString("")), WAIT))
                .as("the member's other browsers hear of it")
                .isPresent();
        assertThat(stored("select count(*) from recovery_links where token_hash = '" + token + "'"))
                .as("only the hash is stored")
                .isZero();

        BrowserClient fresh = hub.browser();
        BrowserClient.Response used = fresh.postJson("/api/recovery", Map.of("token", token, "password", NEW_PASSWORD));
        assertThat(used.status()).as(used.body()).isEqualTo(200);
        assertThat(used.json().get("username").stringValue()).isEqualTo(username);
        assertThat(await(oldStream::closed)).as("every session ended").isTrue();
        assertThat(old.get("/api/devices").status()).isEqualTo(401);
        assertThat(fresh.login(username, NEW_PASSWORD).status()).isEqualTo(204);
        // A recovered browser is a new browser: registered, not approved.
        fresh.registerClient();
        assertThat(approved(fresh)).isFalse();

        BrowserClient.Response twice =
                hub.browser().postJson("/api/recovery", Map.of("token", token, "password", "yet another password"));
        assertThat(twice.status()).isEqualTo(400);
        assertThat(twice.json().get("detail").stringValue()).contains("not valid");
        assertThat(auditActions()).contains("recovery-link-issued", "password-recovered");
    }

    @Test
    void aReEntryLinkExpiresAndOnlyTheRightPeopleMayIssueOne() {
        String username = "expiring" + COUNTER.incrementAndGet();
        BrowserClient member = member(username, "resident");
        String memberId = member.get("/api/session").json().get("accountId").stringValue();
        BrowserClient admin = member("admin" + COUNTER.incrementAndGet(), "admin");
        String adminId = admin.get("/api/session").json().get("accountId").stringValue();
        String ownerId =
                owner.browser().get("/api/session").json().get("accountId").stringValue();
        String path = "/api/households/" + owner.householdId() + "/members/";

        BrowserClient.Response issued = admin.postJson(path + memberId + "/recovery-link", Map.of());
        assertThat(issued.status()).as(issued.body()).isEqualTo(201);
        String link = issued.json().get("link").stringValue();
        String token = link.substring(link.indexOf("#recover=") + "#recover=".length());
        clock.advance(Duration.ofHours(25));
        assertThat(hub.browser()
                        .postJson("/api/recovery", Map.of("token", token, "password", NEW_PASSWORD))
                        .status())
                .isEqualTo(400);

        assertThat(admin.postJson(path + ownerId + "/recovery-link", Map.of()).status())
                .as("never for the owner")
                .isEqualTo(400);
        BrowserClient otherAdmin = member("admin" + COUNTER.incrementAndGet(), "admin");
        String otherAdminId =
                otherAdmin.get("/api/session").json().get("accountId").stringValue();
        assertThat(admin.postJson(path + otherAdminId + "/recovery-link", Map.of())
                        .status())
                .as("an admin for an admin: only the owner")
                .isEqualTo(400);
        assertThat(owner.browser()
                        .postJson(path + adminId + "/recovery-link", Map.of())
                        .status())
                .isEqualTo(201);
        assertThat(member.postJson(path + memberId + "/recovery-link", Map.of()).status())
                .as("a resident may not")
                .isEqualTo(404);
        assertThat(hub.browser()
                        .postJson(path + memberId + "/recovery-link", Map.of())
                        .status())
                .isEqualTo(401);
    }

    @Test
    void theOwnersRecoveryCodeSetsANewPasswordOnceAndIsReplaced() {
        assertThat(ownerRecoveryCode).matches("[0-9A-Z]{4}(-[0-9A-Z]{4}){7}");
        assertThat(stored("select count(*) from accounts where recovery_code_hash like '%"
                        + ownerRecoveryCode.replace("-", "") + "%'"))
                .isZero();
        BrowserClient other = hub.browser();
        assertThat(other.login("owner", Household.PASSWORD).status()).isEqualTo(204);

        BrowserClient.Response wrongUser = hub.browser()
                .postJson(
                        "/api/recovery/owner",
                        Map.of("username", "partner", "recoveryCode", ownerRecoveryCode, "password", NEW_PASSWORD));
        assertThat(wrongUser.status()).isEqualTo(400);

        BrowserClient fresh = hub.browser();
        BrowserClient.Response used = fresh.postJson(
                "/api/recovery/owner",
                Map.of(
                        "username",
                        "owner",
                        "recoveryCode",
                        ownerRecoveryCode.toLowerCase(java.util.Locale.ROOT),
                        "password",
                        NEW_PASSWORD));
        assertThat(used.status()).as(used.body()).isEqualTo(200);
        String replacement = used.json().get("recoveryCode").stringValue();
        assertThat(replacement).isNotEqualTo(ownerRecoveryCode);
        assertThat(other.get("/api/devices").status()).as("every session ended").isEqualTo(401);
        assertThat(fresh.login("owner", NEW_PASSWORD).status()).isEqualTo(204);
        assertThat(hub.browser()
                        .postJson(
                                "/api/recovery/owner",
                                Map.of(
                                        "username",
                                        "owner",
                                        "recoveryCode",
                                        ownerRecoveryCode,
                                        "password",
                                        "x".repeat(12)))
                        .status())
                .as("the code works once")
                .isEqualTo(400);
        assertThat(auditActions()).contains("password-recovered");

        // Back to the fixture's password for the other tests, with the replacement code.
        assertThat(fresh.postJson(
                                "/api/recovery/owner",
                                Map.of(
                                        "username",
                                        "owner",
                                        "recoveryCode",
                                        replacement,
                                        "password",
                                        Household.PASSWORD))
                        .status())
                .isEqualTo(200);
        BrowserClient ownerBrowser = hub.browser();
        assertThat(ownerBrowser.login("owner", Household.PASSWORD).status()).isEqualTo(204);
        owner = new Household(ownerBrowser, "owner", owner.householdId());
    }

    @Test
    void passkeyRoutesRefuseStrangersAndTheFiltersOwnDeletion() {
        BrowserClient stranger = hub.browser();
        // Spring's options filter runs before authorization and answers a stranger 400 with nothing in it.
        BrowserClient.Response strangerOptions = stranger.postJson("/webauthn/register/options", Map.of());
        assertThat(strangerOptions.status()).isEqualTo(400);
        assertThat(strangerOptions.body()).isEmpty();
        assertThat(stranger.postJson("/webauthn/register", Map.of()).status()).isEqualTo(401);
        assertThat(stranger.get("/api/account/passkeys").status()).isEqualTo(401);
        // Removing goes through /api/account/passkeys only: the filter's own DELETE is denied to everyone.
        assertThat(owner.browser().delete("/webauthn/register/AAAA").status()).isEqualTo(403);
        // Asking how to sign in with a passkey is public and names no account.
        BrowserClient.Response options = stranger.postJson("/webauthn/authenticate/options", Map.of());
        assertThat(options.status()).as(options.body()).isEqualTo(200);
        assertThat(options.json().get("rpId").stringValue()).isEqualTo("localhost");
        assertThat(options.json().get("allowCredentials")).isEmpty();
        BrowserClient.Response forged = stranger.postJson(
                "/login/webauthn", Map.of("id", "AAAA", "rawId", "AAAA", "type", "public-key", "response", Map.of()));
        assertThat(forged.status()).isEqualTo(401);
        assertThat(stranger.get("/api/devices").status()).isEqualTo(401);
        BrowserClient.Response registrationOptions = owner.browser().postJson("/webauthn/register/options", Map.of());
        assertThat(registrationOptions.status()).as(registrationOptions.body()).isEqualTo(200);
        assertThat(registrationOptions.json().get("rp").get("id").stringValue()).isEqualTo("localhost");
        assertThat(registrationOptions.json().get("user").get("name").stringValue())
                .isEqualTo("owner");
    }

    @Test
    void passkeySignInIsPacedPerAddress() {
        BrowserClient stranger = hub.browser();
        int capacity = RateLimit.PASSKEY_SIGN_IN_PER_ADDRESS.capacity();
        for (int i = 0; i < capacity; i++) {
            assertThat(stranger.postJson("/webauthn/authenticate/options", Map.of())
                            .status())
                    .isEqualTo(200);
        }
        BrowserClient.Response limited = stranger.postJson("/webauthn/authenticate/options", Map.of());
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.header("Retry-After")).isPresent();
        assertThat(stranger.postJson("/login/webauthn", Map.of()).status()).isEqualTo(429);
    }

    // ---- helpers

    /** A new invitation from the owner; its token. */
    private static String invitation(String role) {
        BrowserClient.Response invitation = owner.browser()
                .postJson("/api/households/" + owner.householdId() + "/invitations", Map.of("role", role));
        assertThat(invitation.status()).as(invitation.body()).isEqualTo(201);
        String link = invitation.json().get("link").stringValue();
        return link.substring(link.indexOf("#invite=") + "#invite=".length());
    }

    private static BrowserClient.Response invitedSignUp(BrowserClient browser, String token, String username) {
        return browser.postJson(
                "/api/invitations/sign-up",
                Map.of("token", token, "username", username, "password", Household.PASSWORD));
    }

    /** A new member of the owner's household (through an invitation), signed in in a browser of their own. */
    private static BrowserClient member(String username, String role) {
        BrowserClient browser = hub.browser();
        assertThat(invitedSignUp(browser, invitation(role), username).status()).isEqualTo(201);
        assertThat(browser.login(username, Household.PASSWORD).status()).isEqualTo(204);
        return browser;
    }

    private static BrowserClient.Response loginAs(BrowserClient browser, String username, String userAgent) {
        browser.get("/api/session");
        return browser.sendRaw(HttpRequest.newBuilder(browser.base().resolve("/api/login"))
                .header("User-Agent", userAgent)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-XSRF-TOKEN", browser.csrfToken().orElseThrow())
                .POST(HttpRequest.BodyPublishers.ofString("username=" + username + "&password="
                        + java.net.URLEncoder.encode(Household.PASSWORD, java.nio.charset.StandardCharsets.UTF_8)))
                .build());
    }

    private static String clientKeysJson() {
        java.security.SecureRandom random = new java.security.SecureRandom();
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
        return "{\"signingKey\":\""
                + b64.encodeToString(dev.doorward.crypto.pki.KeyPairs.newP256(random)
                        .getPublic()
                        .getEncoded())
                + "\",\"agreementKey\":\""
                + b64.encodeToString(dev.doorward.crypto.pki.KeyPairs.newP256(random)
                        .getPublic()
                        .getEncoded())
                + "\"}";
    }

    /** Whether the browser's key is in the household's signed roster (listed with a roster role). */
    private static boolean approved(BrowserClient browser) {
        JsonNode roster = browser.get("/api/households/" + owner.householdId() + "/roster")
                .json();
        for (JsonNode client : roster.get("clients")) {
            if (client.get("clientId").stringValue().equals(browser.clientId())) {
                return !client.get("rosterRole").isNull();
            }
        }
        throw new AssertionError("the browser is not listed at all");
    }

    private static List<String> auditActions() {
        return hub.bean(JdbcClient.class)
                .sql("select action from audit_log")
                .query(String.class)
                .list();
    }

    private static int stored(String countQuery) {
        return hub.bean(JdbcClient.class).sql(countQuery).query(Integer.class).single();
    }

    private static boolean await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
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
