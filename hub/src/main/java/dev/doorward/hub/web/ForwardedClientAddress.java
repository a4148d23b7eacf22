package dev.doorward.hub.web;

import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.config.TrustedProxies;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.net.InetAddress;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * The browser port behind a load balancer: Tomcat has no PROXY protocol, so HAProxy ends TLS for browsers (with the
 * hub's certificate), opens a new TLS connection to the node, and sets {@code X-Forwarded-For} to the browser's
 * address (docs/cluster.md). That header is believed only on a connection from one of
 * {@code doorward.cluster.trusted-proxies}, and only its last entry (the one the proxy wrote; what a browser sent
 * before it is the browser's word). From anyone else it is ignored: per-address limits stay keyed on the real
 * address. Without trusted proxies this valve is not installed.
 */
@Component
class ForwardedClientAddress implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {
    static final String HEADER = "X-Forwarded-For";

    private final TrustedProxies trusted;

    ForwardedClientAddress(HubProperties properties) {
        this.trusted = TrustedProxies.of(properties);
    }

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        if (!trusted.isEmpty()) {
            factory.addEngineValves(new Valve(trusted));
        }
    }

    static final class Valve extends ValveBase {
        private final TrustedProxies trusted;

        Valve(TrustedProxies trusted) {
            super(true);
            this.trusted = trusted;
        }

        @Override
        public void invoke(Request request, Response response) throws IOException, ServletException {
            String client = fromTrustedProxy(request);
            if (client != null) {
                request.setRemoteAddr(client);
                request.setRemoteHost(client);
            }
            getNext().invoke(request, response);
        }

        /** The address a trusted proxy says the browser has; null when the request does not come from one. */
        private String fromTrustedProxy(Request request) {
            InetAddress peer = TrustedProxies.literal(request.getRemoteAddr());
            if (peer == null || !trusted.trusts(peer)) {
                return null;
            }
            // Several headers, or one list: the proxy's entry is the last either way.
            String last = null;
            var headers = request.getHeaders(HEADER);
            while (headers.hasMoreElements()) {
                last = headers.nextElement();
            }
            if (last == null) {
                // The proxy's own request (a health check): it keeps its address.
                return null;
            }
            String[] entries = last.split(",");
            InetAddress client = TrustedProxies.literal(entries[entries.length - 1].strip());
            return client == null ? null : client.getHostAddress();
        }
    }
}
