package dev.doorward.hub.live;

import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.config.TrustedProxies;
import dev.doorward.hub.link.NetworkThreads;
import dev.doorward.hub.link.ServerPort;
import dev.doorward.hub.link.transport.LinkEndpoint;
import dev.doorward.hub.link.transport.LinkServer;
import dev.doorward.hub.link.transport.LinkTls;
import dev.doorward.hub.liveport.LivePortPath;
import dev.doorward.hub.pki.HubPki;
import dev.doorward.hub.web.HubPorts;
import dev.doorward.protocol.MediaPart;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Serves {@code wss://hub:live-port/api/live}: the same live views as the browser port's {@code /api/live}, on the
 * network threads that read the doorbells' media, so a part goes from a doorbell to its viewers without a thread
 * hand-over per viewer (docs/benchmarks.md, Finding 4); and the other browser sockets features serve here for the
 * same reason ({@link LivePortPath}: the member stream, which carries the ring). TLS 1.3 with the browser port's certificate; a socket opens
 * only for a same-origin request carrying a signed-in session cookie ({@link LiveGate}). The web app falls back to
 * the browser port when this one cannot be reached.
 */
@Component
public class LivePort extends ServerPort {
    private static final Logger log = LoggerFactory.getLogger(LivePort.class);
    static final String PATH = "/api/live";
    /** Control messages are a few hundred characters; {@link LiveViews} applies its own, lower limit. */
    private static final int MAX_TEXT_CHARS = 1024;

    private final HubProperties properties;
    private final HubPki pki;
    private final LiveViews views;
    private final LiveGate gate;
    private final HubPorts ports;
    private final NetworkThreads network;
    private final List<LivePortPath> otherPaths;

    LivePort(
            HubProperties properties,
            HubPki pki,
            LiveViews views,
            LiveGate gate,
            HubPorts ports,
            NetworkThreads network,
            List<LivePortPath> otherPaths) {
        this.otherPaths = List.copyOf(otherPaths);
        this.properties = properties;
        this.pki = pki;
        this.views = views;
        this.gate = gate;
        this.ports = ports;
        this.network = network;
    }

    @Override
    protected LinkServer open() throws InterruptedException {
        if (properties.livePort() < 0) {
            log.info("No live port: live views are served on the browser port only");
            return null;
        }
        LinkTls.Stack stack = LinkTls.best();
        LinkServer.Settings settings = new LinkServer.Settings(
                properties.livePort(),
                MAX_TEXT_CHARS,
                MediaPart.MAX_BYTES,
                Math.max(1, Runtime.getRuntime().availableProcessors()),
                Duration.ofSeconds(10),
                properties.addresses().liveAddress(),
                TrustedProxies.of(properties));
        Map<String, LinkEndpoint> endpoints = new LinkedHashMap<>();
        endpoints.put(PATH, views.livePortEndpoint());
        otherPaths.forEach(other -> endpoints.put(other.path(), other.endpoint()));
        LinkServer server = LinkServer.start(
                LinkTls.browsers(stack, pki.serverCredential()), settings, network.group(), gate, endpoints);
        ports.livePortOpened(server.port());
        log.info("Live port {} open (TLS 1.3 on {}, {})", server.port(), stack, String.join(", ", endpoints.keySet()));
        return server;
    }
}
