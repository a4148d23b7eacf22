package dev.doorward.hub.live;

import dev.doorward.hub.account.AccountSessions;
import dev.doorward.hub.link.transport.UpgradeGate;
import dev.doorward.hub.web.HubPorts;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Who may open a socket on the live port: a request from the web app itself ({@code Origin} is the browser port
 * on the same host: another site cannot open one) that carries exactly one session cookie naming an open,
 * signed-in session. The same rules as the browser port's {@code /api/live}, outside the servlet container.
 */
@Component
class LiveGate implements UpgradeGate {
    private final AccountSessions sessions;
    private final HubPorts ports;
    private final String cookieName;

    LiveGate(
            AccountSessions sessions,
            HubPorts ports,
            @Value("${server.servlet.session.cookie.name}") String cookieName) {
        this.sessions = sessions;
        this.ports = ports;
        this.cookieName = cookieName;
    }

    /** Sessions are in the database. */
    @Override
    public boolean mayBlock() {
        return true;
    }

    @Override
    public Optional<Object> admit(HttpHeaders headers) {
        if (!sameOrigin(headers.get(HttpHeaderNames.ORIGIN), headers.get(HttpHeaderNames.HOST))) {
            return Optional.empty();
        }
        List<String> values = new ArrayList<>();
        for (String header : headers.getAll(HttpHeaderNames.COOKIE)) {
            for (Cookie cookie : ServerCookieDecoder.STRICT.decodeAll(header)) {
                if (cookie.name().equals(cookieName)) {
                    values.add(cookie.value());
                }
            }
        }
        if (values.size() != 1) {
            return Optional.empty();
        }
        String sessionId = values.get(0);
        return sessions.signedIn(sessionId)
                .map(account -> new LiveViews.Admission(account.id(), account.getUsername(), sessionId));
    }

    /** The page that opens the socket was served by the browser port of the host this request went to. */
    private boolean sameOrigin(String origin, String host) {
        if (origin == null || host == null) {
            return false;
        }
        try {
            URI from = new URI(origin);
            URI to = new URI("https://" + host);
            return "https".equals(from.getScheme())
                    && from.getHost() != null
                    && to.getHost() != null
                    && from.getHost()
                            .toLowerCase(Locale.ROOT)
                            .equals(to.getHost().toLowerCase(Locale.ROOT))
                    && (from.getPort() == -1 ? 443 : from.getPort()) == ports.browserPort()
                    && (from.getPath() == null || from.getPath().isEmpty());
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
