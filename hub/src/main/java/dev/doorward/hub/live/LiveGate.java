package dev.doorward.hub.live;

import dev.doorward.hub.account.AccountSessions;
import dev.doorward.hub.link.transport.UpgradeGate;
import dev.doorward.hub.liveport.BrowserAdmission;
import dev.doorward.hub.web.BrowserSocketGate;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Who may open a socket on the live port: what {@link BrowserSocketGate} admits on every port (a page of the hub
 * itself, exactly one session cookie), where that cookie names an open, signed-in session. Outside the servlet
 * container, so the session is looked up here.
 */
@Component
class LiveGate implements UpgradeGate {
    private final AccountSessions sessions;
    private final BrowserSocketGate gate;
    private final String cookieName;

    LiveGate(
            AccountSessions sessions,
            BrowserSocketGate gate,
            @Value("${server.servlet.session.cookie.name}") String cookieName) {
        this.sessions = sessions;
        this.gate = gate;
        this.cookieName = cookieName;
    }

    /**
     * Sessions are in the database, unless this one was admitted a moment ago ({@link AccountSessions#signedIn}).
     * Should that answer be forgotten in the instant before {@link #admit} asks, the lookup runs on the network
     * thread: rare, and still correct.
     */
    @Override
    public boolean mayBlock(HttpHeaders headers) {
        List<String> values = sessionCookies(headers);
        return values.size() != 1 || !sessions.remembers(values.get(0));
    }

    @Override
    public Optional<Object> admit(HttpHeaders headers) {
        List<String> values = sessionCookies(headers);
        return gate.admit(headers.getAll(HttpHeaderNames.ORIGIN), headers.getAll(HttpHeaderNames.HOST), values)
                .flatMap(sessionId -> sessions.signedIn(sessionId)
                        .map(account -> new BrowserAdmission(account.id(), account.getUsername(), sessionId)));
    }

    private List<String> sessionCookies(HttpHeaders headers) {
        List<String> values = new ArrayList<>();
        for (String header : headers.getAll(HttpHeaderNames.COOKIE)) {
            for (Cookie cookie : ServerCookieDecoder.STRICT.decodeAll(header)) {
                if (cookie.name().equals(cookieName)) {
                    values.add(cookie.value());
                }
            }
        }
        return values;
    }
}
