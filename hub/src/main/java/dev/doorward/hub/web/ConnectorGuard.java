package dev.doorward.hub.web;

import dev.doorward.hub.config.HubProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Keeps each port to its own job, before anything else looks at a request: the device port serves only the
 * device link, the browser port never serves it, and the plain-HTTP port only redirects to HTTPS.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class ConnectorGuard extends OncePerRequestFilter {
    static final String DEVICE_LINK_PATH = "/link";

    private final HubPorts ports;
    private final HubProperties properties;

    ConnectorGuard(HubPorts ports, HubProperties properties) {
        this.ports = ports;
        this.properties = properties;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        int port = request.getLocalPort();
        String path = request.getRequestURI();
        if (port == ports.redirectPort()) {
            response.setStatus(HttpServletResponse.SC_MOVED_PERMANENTLY);
            response.setHeader("Location", "https://" + properties.publicHost() + ":" + ports.browserPort() + "/");
            return;
        }
        boolean linkPath = DEVICE_LINK_PATH.equals(path);
        boolean devicePort = port == ports.devicePort();
        if (devicePort != linkPath) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        chain.doFilter(request, response);
    }
}
