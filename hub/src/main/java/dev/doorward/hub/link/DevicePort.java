package dev.doorward.hub.link;

import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.config.TrustedProxies;
import dev.doorward.hub.link.transport.LinkServer;
import dev.doorward.hub.link.transport.LinkTls;
import dev.doorward.hub.link.transport.Transport;
import dev.doorward.hub.link.transport.UpgradeGate;
import dev.doorward.hub.pki.HubPki;
import dev.doorward.hub.web.HubPorts;
import dev.doorward.protocol.Limits;
import dev.doorward.protocol.MediaPart;
import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Serves {@code wss://hub:device-port/link}: TLS 1.3 that requires a client certificate from the manufacturer CA
 * (a doorbell that may only claim) or the hub CA (an owned doorbell), and nothing but the device link. Its own
 * server, not a Tomcat connector: see {@link LinkServer}. Starts last and stops first, so no link outlives
 * the database.
 */
@Component
class DevicePort extends ServerPort {
    private static final Logger log = LoggerFactory.getLogger(DevicePort.class);
    static final String PATH = "/link";

    private final HubProperties properties;
    private final HubPki pki;
    private final DeviceLinkHandler handler;
    private final HubPorts ports;
    private final NetworkThreads network;

    DevicePort(
            HubProperties properties, HubPki pki, DeviceLinkHandler handler, HubPorts ports, NetworkThreads network) {
        this.network = network;
        this.properties = properties;
        this.pki = pki;
        this.handler = handler;
        this.ports = ports;
    }

    @Override
    protected LinkServer open() throws InterruptedException {
        LinkTls.Stack stack = LinkTls.best();
        SslContext tls = LinkTls.server(
                stack,
                pki.serverCredential(),
                List.of(pki.manufacturerCa(), pki.hubCa().certificate()));
        LinkServer.Settings settings = new LinkServer.Settings(
                properties.devicePort(),
                // Just over the protocol's limit, so a message slightly too long still arrives whole and gets a
                // clear "too-large" error from the codec; far longer ones close the link (1009).
                Limits.MAX_TEXT_MESSAGE_CHARS + 1024,
                MediaPart.MAX_BYTES,
                Math.max(1, Runtime.getRuntime().availableProcessors()),
                Duration.ofSeconds(10),
                properties.addresses().deviceAddress(),
                TrustedProxies.of(properties));
        LinkServer server =
                LinkServer.start(tls, settings, network.group(), UpgradeGate.TLS_DECIDES, Map.of(PATH, handler));
        ports.devicePortOpened(server.port());
        log.info(
                "Device port {} open (mutual TLS 1.3 on {} over {}, {})", server.port(), stack, Transport.best(), PATH);
        return server;
    }
}
