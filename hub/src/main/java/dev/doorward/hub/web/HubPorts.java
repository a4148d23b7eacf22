package dev.doorward.hub.web;

import dev.doorward.hub.config.HubProperties;
import java.net.URI;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** The ports the hub actually listens on (0 in configuration means "pick one"), known once each is open. */
@Component
public class HubPorts {
    private final HubProperties properties;
    private final TlsConnectors connectors;
    private volatile int browserPort = -1;
    private volatile int devicePort = -1;
    private volatile int redirectPort = -1;
    private volatile int livePort = -1;

    HubPorts(HubProperties properties, TlsConnectors connectors) {
        this.properties = properties;
        this.connectors = connectors;
    }

    @EventListener
    void onStarted(WebServerInitializedEvent event) {
        browserPort = event.getWebServer().getPort();
        redirectPort = connectors.redirectLocalPort();
    }

    /** Called by the device port's server once it listens. */
    public void devicePortOpened(int port) {
        devicePort = port;
    }

    /** Called by the live port's server once it listens. */
    public void livePortOpened(int port) {
        livePort = port;
    }

    /** The live port, or -1 when live views are served on the browser port only. */
    public int livePort() {
        return livePort;
    }

    public int browserPort() {
        return browserPort;
    }

    public int devicePort() {
        return devicePort;
    }

    public int redirectPort() {
        return redirectPort;
    }

    /** What browsers open. */
    public URI browserUrl() {
        return URI.create("https://" + properties.publicHost() + ":" + browserPort + "/");
    }

    /** What devices connect to; goes into claim QR codes. */
    public URI deviceLinkUrl() {
        return URI.create("wss://" + properties.publicHost() + ":" + devicePort + "/link");
    }
}
