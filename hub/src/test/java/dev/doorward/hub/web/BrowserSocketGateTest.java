package dev.doorward.hub.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The origin × cookie matrix on all three browser WebSockets (the browser port's {@code /api/stream} and {@code
 * /api/live}, the live port's {@code /api/live}), sent as raw upgrade requests over real TLS so that every header
 * is exactly what the test says: exactly one session cookie of a signed-in session and an {@code Origin} that is
 * the hub's own browser origin open a socket; everything else is refused before the upgrade.
 */
class BrowserSocketGateTest {
    private static final String SESSION_COOKIE = "__Host-doorward-session";

    @TempDir
    static Path dir;

    static TestHub hub;
    static String session;
    static String endedSession;

    @BeforeAll
    static void start() {
        hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"));
        Household owner = Household.firstOwner(hub);
        session = owner.browser().cookie(SESSION_COOKIE).orElseThrow().getValue();
        Household leaver = Household.signUp(hub, "leaver");
        BrowserClient leaving = leaver.browser();
        endedSession = leaving.cookie(SESSION_COOKIE).orElseThrow().getValue();
        assertThat(leaving.postJson("/api/logout", Map.of()).status()).isEqualTo(204);
    }

    @AfterAll
    static void stop() {
        if (hub != null) {
            hub.close();
        }
    }

    record Endpoint(String name, int port, String path) {}

    private static List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("browser port /api/stream", hub.browserPort(), "/api/stream"),
                new Endpoint("browser port /api/live", hub.browserPort(), "/api/live"),
                new Endpoint("live port /api/live", hub.livePort(), "/api/live"),
                new Endpoint("live port /api/stream", hub.livePort(), "/api/stream"));
    }

    @Test
    void onlyTheHubsOwnOriginWithExactlyOneLiveSessionCookieOpensASocket() {
        String own = "https://localhost:" + hub.browserPort();
        // Each entry: the Origin header lines to send.
        Map<String, List<String>> origins = new LinkedHashMap<>();
        origins.put("own origin", List.of(own));
        origins.put("upper-case host", List.of("https://LOCALHOST:" + hub.browserPort()));
        origins.put("no Origin", List.of());
        origins.put("another site", List.of("https://evil.example"));
        origins.put("another site on the hub's port", List.of("https://evil.example:" + hub.browserPort()));
        origins.put("plain http", List.of("http://localhost:" + hub.browserPort()));
        origins.put("the live port", List.of("https://localhost:" + hub.livePort()));
        origins.put("the device port", List.of("https://localhost:" + hub.devicePort()));
        origins.put("default port", List.of("https://localhost"));
        origins.put("with a slash", List.of(own + "/"));
        origins.put("with a path", List.of(own + "/path"));
        origins.put("with a query", List.of(own + "?x=1"));
        origins.put("with a fragment", List.of(own + "#x"));
        origins.put("with a user", List.of("https://user@localhost:" + hub.browserPort()));
        origins.put("null", List.of("null"));
        origins.put("empty", List.of(""));
        origins.put("not a URL", List.of("https://local host:" + hub.browserPort()));
        origins.put("two Origins, both own", List.of(own, own));
        origins.put("own and another", List.of(own, "https://evil.example"));

        Map<String, List<String>> cookies = new LinkedHashMap<>();
        cookies.put("the session", List.of(SESSION_COOKIE + "=" + session));
        cookies.put("no cookie", List.of());
        cookies.put("made up", List.of(SESSION_COOKIE + "=" + "A".repeat(session.length())));
        cookies.put("cut short", List.of(SESSION_COOKIE + "=" + session.substring(1)));
        cookies.put("signed out", List.of(SESSION_COOKIE + "=" + endedSession));
        cookies.put("doubled", List.of(SESSION_COOKIE + "=" + session + "; " + SESSION_COOKIE + "=" + session));
        cookies.put(
                "doubled with a made-up one",
                List.of(SESSION_COOKIE + "=" + session + "; " + SESSION_COOKIE + "=" + "A".repeat(session.length())));
        cookies.put("two Cookie headers", List.of(SESSION_COOKIE + "=" + session, SESSION_COOKIE + "=" + session));
        cookies.put("another name", List.of("doorward-session=" + session));

        List<String> wrong = new ArrayList<>();
        int opened = 0;
        for (Endpoint endpoint : endpoints()) {
            for (var origin : origins.entrySet()) {
                for (var cookie : cookies.entrySet()) {
                    boolean shouldOpen = origin.getKey().startsWith("own origin")
                            && cookie.getKey().equals("the session");
                    List<String> headers = new ArrayList<>();
                    origin.getValue().forEach(o -> headers.add("Origin: " + o));
                    cookie.getValue().forEach(c -> headers.add("Cookie: " + c));
                    int status = upgrade(endpoint, headers);
                    if (shouldOpen ? status != 101 : status == 101 || status >= 500) {
                        wrong.add(endpoint.name() + " / " + origin.getKey() + " / " + cookie.getKey() + ": " + status);
                    }
                    if (status == 101) {
                        opened++;
                    }
                }
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(opened).isEqualTo(endpoints().size());
    }

    /** Sends an upgrade request with these extra header lines and answers the response's status code. */
    private static int upgrade(Endpoint endpoint, List<String> headers) {
        try (SSLSocket socket = (SSLSocket) TlsContexts.client(null, hub.hubCaCertificate())
                .getSocketFactory()
                .createSocket("localhost", endpoint.port())) {
            socket.setSoTimeout(10_000);
            byte[] nonce = new byte[16];
            new SecureRandom().nextBytes(nonce);
            StringBuilder request = new StringBuilder()
                    .append("GET ")
                    .append(endpoint.path())
                    .append(" HTTP/1.1\r\n")
                    .append("Host: localhost:")
                    .append(endpoint.port())
                    .append("\r\n")
                    .append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
                    .append("Sec-WebSocket-Key: ")
                    .append(Base64.getEncoder().encodeToString(nonce))
                    .append("\r\n");
            headers.forEach(h -> request.append(h).append("\r\n"));
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String statusLine = new BufferedReader(
                            new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1))
                    .readLine();
            assertThat(statusLine).as(endpoint + " " + headers).isNotNull().startsWith("HTTP/1.1 ");
            return Integer.parseInt(statusLine.substring(9, 12));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
