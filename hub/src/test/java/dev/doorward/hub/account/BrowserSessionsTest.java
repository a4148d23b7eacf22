package dev.doorward.hub.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.testing.MutableClock;
import java.net.HttpCookie;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Browser sessions are kept in PostgreSQL: a signed-in browser stays signed in across a hub restart and for weeks
 * (sliding, with an absolute limit), and every way a session ends — sign-out, the safety check, expiry, removal
 * from a household, account deletion — closes every socket opened with it at once: the member stream, a live view
 * on the browser port and one on the live port. A forged cookie or a stored session the hub did not write is a
 * stranger's, never an error.
 */
class BrowserSessionsTest {
    private static final String COOKIE = "__Host-doorward-session";
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @TempDir
    static Path sharedDir;

    /**
     * The hub of the tests that need none of their own (no restart, no clock): each signs up an account of its own.
     * The restart and the clock test start their own.
     */
    static TestHub shared;

    @BeforeAll
    static void startSharedHub() {
        shared = TestHub.start(sharedDir, Map.of("doorward.open-signup", "true"));
    }

    @AfterAll
    static void stopSharedHub() {
        if (shared != null) {
            shared.close();
        }
    }

    /** Each test's sign-ups and sign-ins counted afresh, as on a hub of its own (they all come from loopback). */
    @BeforeEach
    void relaxThrottles() {
        RateLimiter limiter = shared.bean(RateLimiter.class);
        for (String address : List.of("127.0.0.1", "0:0:0:0:0:0:0:1", "::1")) {
            for (RateLimit limit : List.of(RateLimit.SIGNUP_PER_ADDRESS, RateLimit.LOGIN_PER_ADDRESS)) {
                limiter.reset(limit, address);
            }
        }
    }

    /** A new account with a household of its own on the shared hub, signed in. */
    private static Household newOwner() {
        return Household.signUp(shared, "owner-" + System.nanoTime());
    }

    /** The kinds of socket a signed-in browser opens with its session, on both ports. */
    private record Sockets(
            BrowserClient.Stream stream,
            BrowserClient.Stream streamOnBrowserPort,
            BrowserClient.Stream live,
            BrowserClient.Stream livePort) {
        static Sockets open(TestHub hub, BrowserClient browser) {
            BrowserClient.Stream stream = browser.openStreamOn(hub.livePort());
            BrowserClient.Stream fallback = browser.openStreamOn(hub.browserPort());
            assertThat(stream.awaitType("hello", WAIT))
                    .as("member stream opened on the live port")
                    .isPresent();
            assertThat(fallback.awaitType("hello", WAIT))
                    .as("member stream opened on the browser port")
                    .isPresent();
            return new Sockets(stream, fallback, browser.openLive(), browser.openLiveOn(hub.livePort()));
        }

        List<BrowserClient.Stream> all() {
            return List.of(stream, streamOnBrowserPort, live, livePort);
        }

        boolean allClosed() {
            return all().stream().allMatch(BrowserClient.Stream::closed);
        }

        boolean noneClosed() {
            return all().stream().noneMatch(BrowserClient.Stream::closed);
        }
    }

    @Test
    void aSignedInBrowserStaysSignedInAcrossARestartAndSigningInAgainRenewsIt() {
        try (TestHub hub = TestHub.start(dir)) {
            Household owner = Household.firstOwner(hub);
            BrowserClient browser = owner.browser();
            String accountId =
                    browser.get("/api/session").json().get("accountId").stringValue();
            // The cookie outlives the browser window: it lasts as long as a session may (90 days by default).
            HttpCookie cookie = browser.cookie(COOKIE).orElseThrow();
            assertThat(cookie.getMaxAge()).isEqualTo(Duration.ofDays(90).toSeconds());
            assertThat(cookie.getSecure()).isTrue();
            assertThat(cookie.isHttpOnly()).isTrue();

            // What is stored holds neither the password nor its hash.
            List<byte[]> stored = hub.bean(JdbcClient.class)
                    .sql("select attribute_bytes from spring_session_attributes")
                    .query(byte[].class)
                    .list();
            assertThat(stored).isNotEmpty();
            for (byte[] bytes : stored) {
                String text = new String(bytes, StandardCharsets.ISO_8859_1);
                assertThat(text).doesNotContain(Household.PASSWORD).doesNotContain("$argon2");
            }

            hub.restart();

            JsonNode session = browser.get("/api/session").json();
            assertThat(session.get("signedIn").asBoolean()).isTrue();
            assertThat(session.get("accountId").stringValue()).isEqualTo(accountId);
            assertThat(browser.get("/api/households/" + owner.householdId() + "/members")
                            .status())
                    .isEqualTo(200);
            assertThat(browser.cookie(COOKIE).orElseThrow().getValue()).isEqualTo(cookie.getValue());
            Sockets sockets = Sockets.open(hub, browser);
            pause();
            assertThat(sockets.noneClosed()).isTrue();

            // Signing in again gives the session a new id: what the old id opened closes (the app reopens it).
            assertThat(browser.login("owner", Household.PASSWORD).status()).isEqualTo(204);
            assertThat(browser.cookie(COOKIE).orElseThrow().getValue()).isNotEqualTo(cookie.getValue());
            assertThat(await(sockets::allClosed)).isTrue();
            Sockets reopened = Sockets.open(hub, browser);
            // And what it opened after the restart still ends with the session.
            assertThat(browser.postJson("/api/logout", Map.of()).status()).isEqualTo(204);
            assertThat(await(reopened::allClosed)).isTrue();
        }
    }

    @Test
    void signingOutEndsEverySocketOfThatSessionAtOnceAndNoOther() {
        TestHub hub = shared;
        Household owner = newOwner();
        BrowserClient leaving = owner.browser();
        BrowserClient staying = hub.browser();
        assertThat(staying.login(owner.username(), Household.PASSWORD).status()).isEqualTo(204);
        String cookie = leaving.cookie(COOKIE).orElseThrow().getValue();
        Sockets leavingSockets = Sockets.open(hub, leaving);
        Sockets stayingSockets = Sockets.open(hub, staying);

        assertThat(leaving.postJson("/api/logout", Map.of()).status()).isEqualTo(204);

        assertThat(await(leavingSockets::allClosed)).isTrue();
        assertThat(leavingSockets
                        .live()
                        .await(m -> m.path("detail").asString("").equals("signed out"), WAIT))
                .isPresent();
        pause();
        assertThat(stayingSockets.noneClosed()).isTrue();
        assertThat(staying.get("/api/session").json().get("signedIn").asBoolean())
                .isTrue();
        // The old cookie, replayed, is a stranger's everywhere.
        assertThat(withCookie(hub, cookie, "/api/households/" + owner.householdId() + "/members")
                        .status())
                .isEqualTo(401);
        assertThatThrownBy(() -> hub.browser()
                        .openLiveOn(hub.livePort(), "https://localhost:" + hub.browserPort(), COOKIE + "=" + cookie))
                .isInstanceOf(CompletionException.class);
        assertThat(hub.bean(AccountSessions.class).count(accountId(staying))).isEqualTo(1);
    }

    @Test
    void endingASessionInTheSafetyCheckEndsItsSockets() {
        TestHub hub = shared;
        Household owner = newOwner();
        BrowserClient admin = owner.browser();
        BrowserClient other = hub.browser();
        assertThat(other.login(owner.username(), Household.PASSWORD).status()).isEqualTo(204);
        Sockets adminSockets = Sockets.open(hub, admin);
        Sockets otherSockets = Sockets.open(hub, other);
        String otherCookie = other.cookie(COOKIE).orElseThrow().getValue();
        String base = "/api/households/" + owner.householdId();

        String otherRef = null;
        for (JsonNode s : admin.get(base + "/safety-check").json().get("sessions")) {
            if (!s.get("current").asBoolean()) {
                otherRef = s.get("sessionRef").stringValue();
            }
        }
        assertThat(otherRef).isNotNull();
        BrowserClient.Response ended =
                admin.sendRaw(HttpRequest.newBuilder(admin.base().resolve(base + "/sessions/" + otherRef))
                        .header("X-XSRF-TOKEN", admin.csrfToken().orElseThrow())
                        .DELETE()
                        .build());
        assertThat(ended.status()).isEqualTo(204);

        assertThat(await(otherSockets::allClosed)).isTrue();
        assertThat(other.get("/api/session").json().get("signedIn").asBoolean()).isFalse();
        // The live port had admitted that session a moment ago: the ended session is not remembered there.
        assertRefusedOnLivePort(hub, otherCookie);
        pause();
        assertThat(adminSockets.noneClosed()).isTrue();
        assertThat(admin.get(base + "/safety-check").json().get("sessions")).hasSize(1);
    }

    @Test
    void aSessionSlidesWhileUsedAndEndsWhenIdleOrTooOld() {
        MutableClock clock = MutableClock.startingNow();
        try (TestHub hub = TestHub.start(dir, Map.of(), clock)) {
            Household owner = Household.firstOwner(hub);
            String members = "/api/households/" + owner.householdId() + "/members";
            BrowserClient idle = owner.browser();
            BrowserClient busy = hub.browser();
            assertThat(busy.login("owner", Household.PASSWORD).status()).isEqualTo(204);

            // Used every 20 days, both stay signed in past the 30-day idle period.
            for (int day = 20; day <= 40; day += 20) {
                clock.advance(Duration.ofDays(20));
                assertThat(idle.get(members).status()).as("day %d", day).isEqualTo(200);
                assertThat(busy.get(members).status()).as("day %d", day).isEqualTo(200);
            }
            Sockets idleSockets = Sockets.open(hub, idle);

            // Unused for 31 days: the sweep ends it, and its sockets close.
            clock.advance(Duration.ofDays(20));
            assertThat(busy.get(members).status()).isEqualTo(200); // day 60
            clock.advance(Duration.ofDays(11));
            assertThat(hub.bean(AccountSessions.class).endExpired()).isEqualTo(1);
            assertThat(await(idleSockets::allClosed)).isTrue();
            assertThat(idle.get(members).status()).isEqualTo(401);
            assertThat(idle.get("/api/session").json().get("signedIn").asBoolean())
                    .isFalse();

            // Used all along, it still ends 90 days after its sign-in: refused at its next request, sockets closed.
            clock.advance(Duration.ofDays(9));
            assertThat(busy.get(members).status()).isEqualTo(200); // day 80
            String busyCookie = busy.cookie(COOKIE).orElseThrow().getValue();
            Sockets busySockets = Sockets.open(hub, busy);
            clock.advance(Duration.ofDays(10).plusMinutes(1));
            assertThat(busy.get(members).status()).isEqualTo(401);
            assertThat(await(busySockets::allClosed)).isTrue();
            assertThatThrownBy(() -> hub.browser()
                            .openLiveOn(
                                    hub.livePort(),
                                    "https://localhost:" + hub.browserPort(),
                                    COOKIE + "=" + busyCookie))
                    .isInstanceOf(CompletionException.class);

            // Signing in again starts a new session.
            assertThat(busy.login("owner", Household.PASSWORD).status()).isEqualTo(204);
            assertThat(busy.get(members).status()).isEqualTo(200);
        }
    }

    /**
     * The live port answers a session it admitted before from memory, so a tap from an open app waits on no lookup;
     * an answer older than 30 s is looked up again behind it. A session whose ending this hub never heard (its row
     * gone with no {@code SessionEnded}: another node's message lost) is found gone at its next use, and everything
     * opened with it closes; a session still open stays.
     */
    @Test
    void aSessionEndedWithoutThisHubHearingItIsFoundAtItsNextUseOnTheLivePort() {
        MutableClock clock = MutableClock.startingNow();
        try (TestHub hub = TestHub.start(dir, Map.of(), clock)) {
            Household owner = Household.firstOwner(hub);
            BrowserClient kept = owner.browser();
            BrowserClient lost = hub.browser();
            assertThat(lost.login("owner", Household.PASSWORD).status()).isEqualTo(204);
            Sockets keptSockets = Sockets.open(hub, kept);
            Sockets lostSockets = Sockets.open(hub, lost);
            String lostCookie = lost.cookie(COOKIE).orElseThrow().getValue();

            assertThat(hub.bean(JdbcClient.class)
                            .sql("delete from spring_session where session_id = :id")
                            .param("id", lostCookie)
                            .update())
                    .isEqualTo(1);
            // Within 30 s the memory is not checked: the ended session's sockets are still open.
            pause();
            assertThat(lostSockets.noneClosed()).isTrue();
            clock.advance(AccountSessions.REMEMBER.plusSeconds(1));

            BrowserClient.Stream late = lost.openLiveOn(hub.livePort());
            assertThat(await(() -> lostSockets.allClosed() && late.closed()))
                    .as("the gone session's sockets close, the one just admitted too")
                    .isTrue();
            assertRefusedOnLivePort(hub, lostCookie);
            assertThat(lost.get("/api/session").json().get("signedIn").asBoolean())
                    .isFalse();

            BrowserClient.Stream another = kept.openLiveOn(hub.livePort());
            pause();
            assertThat(keptSockets.noneClosed()).isTrue();
            assertThat(another.closed()).isFalse();
            assertThat(kept.get("/api/session").json().get("signedIn").asBoolean())
                    .isTrue();
        }
    }

    @Test
    void removingAMemberAndDeletingAnAccountEndTheirSessionsEverywhere() {
        TestHub hub = shared;
        Household owner = newOwner();
        Household partner = Household.signUp(hub, "partner-" + System.nanoTime());
        join(owner, partner);
        BrowserClient partnerTab = hub.browser();
        assertThat(partnerTab.login(partner.username(), Household.PASSWORD).status())
                .isEqualTo(204);
        Sockets first = Sockets.open(hub, partner.browser());
        Sockets second = Sockets.open(hub, partnerTab);
        Sockets ownerSockets = Sockets.open(hub, owner.browser());
        String partnerCookie = partnerTab.cookie(COOKIE).orElseThrow().getValue();
        String partnerId = accountId(partner.browser());

        BrowserClient.Response removed = owner.browser()
                .sendRaw(HttpRequest.newBuilder(owner.browser()
                                .base()
                                .resolve("/api/households/" + owner.householdId() + "/members/" + partnerId))
                        .header("X-XSRF-TOKEN", owner.browser().csrfToken().orElseThrow())
                        .DELETE()
                        .build());
        assertThat(removed.status()).isEqualTo(204);
        assertThat(await(first::allClosed)).isTrue();
        assertThat(await(second::allClosed)).isTrue();
        assertThat(partner.browser().get("/api/session").json().get("signedIn").asBoolean())
                .isFalse();
        assertThat(partnerTab.get("/api/devices").status()).isEqualTo(401);
        assertThat(hub.bean(AccountSessions.class).count(partnerId)).isZero();
        assertRefusedOnLivePort(hub, partnerCookie);
        pause();
        assertThat(ownerSockets.noneClosed()).isTrue();

        // Signed in again (it still has its own household), then it deletes its account: every session ends.
        assertThat(partner.browser()
                        .login(partner.username(), Household.PASSWORD)
                        .status())
                .isEqualTo(204);
        assertThat(partnerTab.login(partner.username(), Household.PASSWORD).status())
                .isEqualTo(204);
        Sockets again = Sockets.open(hub, partnerTab);
        String deletedCookie = partnerTab.cookie(COOKIE).orElseThrow().getValue();
        BrowserClient.Response deleted = partner.browser()
                .sendRaw(HttpRequest.newBuilder(partner.browser().base().resolve("/api/account"))
                        .header("Content-Type", "application/json")
                        .header("X-XSRF-TOKEN", partner.browser().csrfToken().orElseThrow())
                        .method(
                                "DELETE",
                                HttpRequest.BodyPublishers.ofString("{\"password\":\"" + Household.PASSWORD + "\"}"))
                        .build());
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
        assertThat(await(again::allClosed)).isTrue();
        assertThat(partnerTab.get("/api/session").json().get("signedIn").asBoolean())
                .isFalse();
        assertRefusedOnLivePort(hub, deletedCookie);
        assertThat(hub.bean(AccountSessions.class).count(partnerId)).isZero();
        assertThat(ownerSockets.noneClosed()).isTrue();
    }

    @Test
    void aForgedOrGarbledCookieIsAStrangersNeverAnError() {
        TestHub hub = shared;
        Household owner = newOwner();
        String real = owner.browser().cookie(COOKIE).orElseThrow().getValue();
        String members = "/api/households/" + owner.householdId() + "/members";
        List<String> forged = new ArrayList<>(List.of(
                "",
                "garbage",
                UUID.randomUUID().toString(),
                real.toUpperCase(java.util.Locale.ROOT),
                real.substring(0, real.length() - 1) + (real.endsWith("0") ? "1" : "0"),
                real.substring(1),
                real + "0",
                Base64.getEncoder().encodeToString(real.getBytes(StandardCharsets.UTF_8)),
                "a".repeat(4000),
                "'%20or%201=1--",
                "%00" + real));
        for (String value : forged) {
            String shown = value.replace(real, "<real>");
            assertThat(withCookie(hub, value, members).status()).as(shown).isEqualTo(401);
            BrowserClient.Response session = withCookie(hub, value, "/api/session");
            assertThat(session.status()).as(shown).isEqualTo(200);
            assertThat(session.json().get("signedIn").asBoolean()).as(shown).isFalse();
            assertThatThrownBy(() -> hub.browser()
                            .openLiveOn(hub.livePort(), "https://localhost:" + hub.browserPort(), COOKIE + "=" + value))
                    .as(shown)
                    .isInstanceOf(CompletionException.class);
        }
        // The real one, sent the same way, is the owner's.
        assertThat(withCookie(hub, real, members).status()).isEqualTo(200);

        // A stored session the hub did not write (garbage, or an object of a class a session never holds) is
        // ended when it is read, never instantiated and never a 500.
        JdbcClient jdbc = hub.bean(JdbcClient.class);
        for (byte[] stored : List.of(
                "not serialized at all".getBytes(StandardCharsets.UTF_8),
                serialized(new java.util.HashMap<>(Map.of("k", java.net.URI.create("https://example.org/")))))) {
            String id = UUID.randomUUID().toString();
            String row = UUID.randomUUID().toString();
            long now = System.currentTimeMillis();
            jdbc.sql("insert into spring_session values (:row, :id, :now, :now, 3600, :expiry, :account)")
                    .param("row", row)
                    .param("id", id)
                    .param("now", now)
                    .param("expiry", now + 3_600_000)
                    .param("account", accountId(owner.browser()))
                    .update();
            jdbc.sql("insert into spring_session_attributes values (:row, 'SPRING_SECURITY_CONTEXT', :bytes)")
                    .param("row", row)
                    .param("bytes", stored)
                    .update();
            assertThat(withCookie(hub, id, members).status()).isEqualTo(401);
            assertThat(jdbc.sql("select count(*) from spring_session where session_id = :id")
                            .param("id", id)
                            .query(Integer.class)
                            .single())
                    .isZero();
        }
    }

    private static byte[] serialized(java.io.Serializable object) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(object);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The owner invites the other account into the household as a resident; it accepts. */
    private static void join(Household owner, Household joining) {
        BrowserClient.Response invited = owner.browser()
                .postJson("/api/households/" + owner.householdId() + "/invitations", Map.of("role", "resident"));
        assertThat(invited.status()).isEqualTo(201);
        String link = invited.json().get("link").stringValue();
        String token = link.substring(link.indexOf("#invite=") + "#invite=".length());
        assertThat(joining.browser()
                        .postJson("/api/invitations/accept", Map.of("token", token))
                        .status())
                .isEqualTo(200);
    }

    private static String accountId(BrowserClient browser) {
        return browser.get("/api/session").json().get("accountId").stringValue();
    }

    /** A GET from a browser that has no cookies of its own, with this session cookie value. */
    private static BrowserClient.Response withCookie(TestHub hub, String value, String path) {
        BrowserClient stranger = hub.browser();
        return stranger.sendRaw(HttpRequest.newBuilder(stranger.base().resolve(path))
                .header("Cookie", COOKIE + "=" + value)
                .GET()
                .build());
    }

    private static boolean await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }

    /** The live port refuses a socket with this session cookie (no upgrade at all). */
    private static void assertRefusedOnLivePort(TestHub hub, String cookie) {
        assertThatThrownBy(() -> hub.browser()
                        .openLiveOn(hub.livePort(), "https://localhost:" + hub.browserPort(), COOKIE + "=" + cookie))
                .isInstanceOf(CompletionException.class);
    }

    /** Long enough for a wrongly closed socket to show it. */
    private static void pause() {
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
