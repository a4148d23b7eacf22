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
 * Keeps each Tomcat port to its own job, before anything else looks at a request: the plain-HTTP port only
 * redirects to HTTPS. (The device port is not Tomcat's; it serves only the device link.)
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class ConnectorGuard extends OncePerRequestFilter {
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
        if (port == ports.redirectPort()) {
            response.setStatus(HttpServletResponse.SC_MOVED_PERMANENTLY);
            response.setHeader("Location", "https://" + properties.publicHost() + ":" + ports.browserPort() + "/");
            return;
        }
        chain.doFilter(request, response);
    }
}
