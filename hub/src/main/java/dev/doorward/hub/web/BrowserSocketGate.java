package dev.doorward.hub.web;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The one rule for every browser WebSocket on every port (the browser port's {@code /api/stream} and {@code
 * /api/live}, the live port's {@code /api/live}): the upgrade request comes from a page of the hub itself and
 * carries exactly one session cookie. Each server parses its own headers (so the cookie counted is the cookie
 * that server will use) and asks here before it upgrades.
 *
 * <p>"A page of the hub itself" means one {@code Origin} header that is exactly {@code https://host[:port]}: the
 * host the request was sent to (its one {@code Host} header) and the browser port, no path (not even "/"), no user,
 * query or fragment, never {@code null}. Another site's page, a sandboxed frame or a tool that sends no
 * {@code Origin} is refused.
 */
@Component
public class BrowserSocketGate {
    private final HubPorts ports;

    BrowserSocketGate(HubPorts ports) {
        this.ports = ports;
    }

    /**
     * The session cookie's value if the request may open a socket, otherwise empty.
     *
     * @param origins every {@code Origin} header of the request
     * @param hosts every {@code Host} header of the request
     * @param sessionCookies the value of every cookie named as the hub's session cookie, as the server parsed them
     */
    public Optional<String> admit(List<String> origins, List<String> hosts, List<String> sessionCookies) {
        if (origins.size() != 1 || hosts.size() != 1 || sessionCookies.size() != 1) {
            return Optional.empty();
        }
        String session = sessionCookies.get(0);
        if (session == null || session.isEmpty() || !fromOwnPage(origins.get(0), hosts.get(0))) {
            return Optional.empty();
        }
        return Optional.of(session);
    }

    private boolean fromOwnPage(String origin, String host) {
        if (origin == null || host == null || origin.isEmpty() || host.isEmpty()) {
            return false;
        }
        try {
            URI from = new URI(origin);
            // Parsed like a URL with the Host header as its authority: a Host with a path or user is no host.
            URI to = new URI("https://" + host);
            int browserPort = ports.browserPort();
            return "https".equals(from.getScheme())
                    && from.getRawUserInfo() == null
                    && from.getHost() != null
                    && from.getRawPath() != null
                    && from.getRawPath().isEmpty()
                    && from.getRawQuery() == null
                    && from.getRawFragment() == null
                    && to.getHost() != null
                    && to.getRawUserInfo() == null
                    && to.getRawPath().isEmpty()
                    && to.getRawQuery() == null
                    && to.getRawFragment() == null
                    // Browsers send both in lower case; anything else did not come from one.
                    && from.getHost().equals(to.getHost())
                    && browserPort > 0
                    && (from.getPort() == -1 ? 443 : from.getPort()) == browserPort;
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
