package dev.doorward.hub.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Every relay test again on the live port (its own server, outside the servlet container), and what only the live
 * port must check for itself: the page's origin, the session cookie, and the end of that session.
 */
class LiveRelayOnLivePortTest extends LiveRelayTest {
    private static final String SESSION_COOKIE = "__Host-doorward-session";

    @Override
    protected int port(BrowserClient browser) {
        return hub.livePort();
    }

    @Test
    void theLivePortIsItsOwnAndTheWebAppIsToldIt() {
        assertThat(hub.livePort()).isPositive().isNotIn(hub.browserPort(), hub.devicePort());
        assertThat(owner.browser().get("/api/session").json().get("livePort").asInt())
                .isEqualTo(hub.livePort());
        assertThat(owner.browser().get("/").header("Content-Security-Policy").orElseThrow())
                .contains("connect-src 'self' wss://localhost:" + hub.livePort() + ";");
    }

    @Test
    void theLivePortServesNothingButLiveViewsAndTheMemberStream() {
        BrowserClient member = owner.browser();
        for (String path :
                List.of("/", "/api/session", "/api/stream/x", "/link", "/api/live/x", "/index.html", "/api/")) {
            assertThat(member.sendRaw(HttpRequest.newBuilder(URI.create("https://localhost:" + hub.livePort() + path))
                                    .build())
                            .status())
                    .as(path)
                    .isEqualTo(404);
        }
        // The served paths themselves, without an upgrade from the hub's own page: refused.
        for (String path : List.of("/api/live", "/api/stream")) {
            assertThat(member.sendRaw(HttpRequest.newBuilder(URI.create("https://localhost:" + hub.livePort() + path))
                                    .build())
                            .status())
                    .as(path)
                    .isEqualTo(403);
        }
    }

    @Test
    void onlyAPageOfTheHubItselfMayOpenALiveView() {
        BrowserClient member = owner.browser();
        String browserPort = Integer.toString(hub.browserPort());
        for (String origin : List.of(
                "https://evil.example",
                "https://evil.example:" + browserPort,
                "http://localhost:" + browserPort,
                "https://localhost:" + hub.livePort(),
                "https://localhost:" + browserPort + "/path",
                "null")) {
            assertThatThrownBy(() -> member.openLiveOn(hub.livePort(), origin))
                    .as(origin)
                    .isInstanceOf(CompletionException.class);
        }
        BrowserClient.Stream same = member.openLiveOn(hub.livePort(), "https://localhost:" + browserPort);
        assertThat(same.closed()).isFalse();
        same.close();
    }

    @Test
    void aMadeUpOrDoubledSessionCookieOpensNothing() {
        BrowserClient anonymous = hub.browser();
        String origin = "https://localhost:" + hub.browserPort();
        String real = owner.browser().cookie(SESSION_COOKIE).orElseThrow().getValue();
        for (String cookie : List.of(
                SESSION_COOKIE + "=" + "0".repeat(real.length()),
                SESSION_COOKIE + "=" + real.substring(1),
                SESSION_COOKIE + "=" + real + "; " + SESSION_COOKIE + "=" + real,
                "doorward-session=" + real)) {
            assertThatThrownBy(() -> anonymous.openLiveOn(hub.livePort(), origin, cookie))
                    .as(cookie.replace(real, "<real>"))
                    .isInstanceOf(CompletionException.class);
        }
        // The real one, sent the same way, opens.
        BrowserClient.Stream opened = anonymous.openLiveOn(hub.livePort(), origin, SESSION_COOKIE + "=" + real);
        assertThat(opened.closed()).isFalse();
        opened.close();
    }

    @Test
    void signingOutEndsTheSessionsLiveViewsAndItsCookieOpensNoOther() {
        Household leaver = Household.signUp(hub, "leaver");
        BrowserClient browser = leaver.browser();
        String cookie = SESSION_COOKIE + "="
                + browser.cookie(SESSION_COOKIE).orElseThrow().getValue();
        BrowserClient.Stream live = browser.openLiveOn(hub.livePort());
        assertThat(live.closed()).isFalse();

        assertThat(browser.postJson("/api/logout", Map.of()).status()).isEqualTo(204);
        assertThat(live.await(m -> m.path("detail").asString("").equals("signed out"), WAIT))
                .isPresent();
        assertThat(awaitClosed(live)).isTrue();
        assertThatThrownBy(() ->
                        hub.browser().openLiveOn(hub.livePort(), "https://localhost:" + hub.browserPort(), cookie))
                .isInstanceOf(CompletionException.class);
    }
}
