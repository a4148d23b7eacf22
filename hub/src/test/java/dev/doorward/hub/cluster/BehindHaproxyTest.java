package dev.doorward.hub.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.device.DeviceAgent;
import dev.doorward.hub.link.DeviceConnections;
import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Haproxy;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import dev.doorward.protocol.LinkMessage;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;

/**
 * A hub node behind a real HAProxy, as in a cluster (docs/cluster.md): the node listens on 127.0.0.2, HAProxy on
 * 127.0.0.1 with the same port numbers and connects to the node from 127.0.0.9, the only trusted proxy. The device
 * and live ports are TCP passed through with PROXY protocol v2; the browser port's TLS ends at HAProxy, which sets
 * {@code X-Forwarded-For}. Doorbells and browsers reach the hub only through HAProxy, yet the hub sees their own
 * addresses.
 */
class BehindHaproxyTest {
    private static final String NODE = "127.0.0.2";
    private static final String BALANCER = "127.0.0.1";
    private static final String PROXY_SOURCE = "127.0.0.9";
    /** The PROXY protocol v2 signature. */
    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    @TempDir
    static Path dir;

    private static TestHub hub;
    private static Haproxy haproxy;
    private static Household owner;

    @BeforeAll
    static void start() throws IOException {
        int browser = Haproxy.freePortOn(NODE, BALANCER);
        int device = Haproxy.freePortOn(NODE, BALANCER);
        int live = Haproxy.freePortOn(NODE, BALANCER);
        hub = TestHub.start(
                dir,
                Map.of(
                        "server.port", Integer.toString(browser),
                        "doorward.device-port", Integer.toString(device),
                        "doorward.live-port", Integer.toString(live),
                        "doorward.addresses.browser", NODE,
                        "doorward.addresses.device", NODE,
                        "doorward.addresses.live", NODE,
                        // So that a test can reach the node itself, as a machine inside the cluster's network could.
                        "doorward.extra-host-names", NODE,
                        "doorward.cluster.trusted-proxies", PROXY_SOURCE));
        Path pki = hub.dataDir().resolve("pki");
        Path pem = dir.resolve("haproxy").resolve("browser.pem");
        Files.createDirectories(pem.getParent());
        Files.writeString(
                pem, Files.readString(pki.resolve("server.crt")) + Files.readString(pki.resolve("server.key")));
        String config = """
                global
                    maxconn 200
                defaults
                    timeout connect 3s
                    timeout client 1m
                    timeout server 1m
                    timeout tunnel 1h
                frontend device_port
                    mode tcp
                    bind BALANCER:DEVICE
                    default_backend device_nodes
                backend device_nodes
                    mode tcp
                    server node NODE:DEVICE send-proxy-v2 source PROXY check inter 500ms
                frontend live_port
                    mode tcp
                    bind BALANCER:LIVE
                    default_backend live_nodes
                backend live_nodes
                    mode tcp
                    server node NODE:LIVE send-proxy-v2 source PROXY
                frontend browser_port
                    mode http
                    bind BALANCER:BROWSER ssl crt PEM ssl-min-ver TLSv1.3 alpn http/1.1
                    http-request set-header X-Forwarded-For %[src]
                    default_backend browser_nodes
                backend browser_nodes
                    mode http
                    server node NODE:BROWSER ssl verify required ca-file CA sni str(localhost) verifyhost localhost source PROXY
                """.replace("BALANCER", BALANCER)
                .replace("NODE", NODE)
                .replace("PROXY", PROXY_SOURCE)
                .replace("DEVICE", Integer.toString(device))
                .replace("LIVE", Integer.toString(live))
                .replace("BROWSER", Integer.toString(browser))
                .replace("PEM", pem.toString())
                .replace("CA", pki.resolve("hub-ca").resolve("ca.crt").toString());
        haproxy = Haproxy.start(
                dir.resolve("haproxy"),
                config,
                List.of(
                        new InetSocketAddress(BALANCER, device),
                        new InetSocketAddress(BALANCER, live),
                        new InetSocketAddress(BALANCER, browser)));
        // The owner signs up through HAProxy (the hub's browser URL is https://localhost:<port>, the balancer).
        owner = Household.firstOwner(hub);
    }

    @AfterAll
    static void stop() {
        if (haproxy != null) {
            haproxy.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void aHubWithoutNatsHasNoneOfTheClusterPartsAndItsLinksLookNowhereElse() {
        // Behind a balancer, but no cluster: nothing of the cluster package is made, nothing is looked up.
        for (Class<?> part :
                List.of(ClusterBus.class, ClusterDoorbells.class, ClusterClaims.class, ClusterLinks.class)) {
            assertThatThrownBy(() -> hub.bean(part))
                    .as(part.getSimpleName())
                    .isInstanceOf(NoSuchBeanDefinitionException.class);
        }
        assertThat(hub.bean(DeviceConnections.class)
                        .send("AAAAAAAAAAAAAAAAAAAAAA", new LinkMessage.DoorNonceRequest("BBBBBBBBBBBBBBBBBBBBBB")))
                .isFalse();
    }

    @Test
    void aDoorbellIsClaimedLinksAndRingsThroughHaproxyAndTheHubSeesItsOwnAddress() {
        // The claim QR code names wss://localhost:<device port>: the balancer.
        DeviceAgent doorbell = owner.claim(hub, hub.mintDevice("front"));
        String deviceId = doorbell.deviceId().orElseThrow();
        BrowserClient.Stream stream = owner.browser().openStream();
        assertThat(stream.awaitType("hello", Duration.ofSeconds(5))).isPresent();

        doorbell.pressButton();
        assertThat(stream.awaitType("ring", Duration.ofSeconds(5))).isPresent();
        // The doorbell connected to HAProxy from 127.0.0.1; HAProxy to the node from 127.0.0.9.
        assertThat(hub.bean(DeviceConnections.class).linkedFrom(deviceId))
                .hasValueSatisfying(
                        from -> assertThat(from.getAddress().getHostAddress()).isEqualTo(BALANCER));

        // A live view socket through HAProxy's live port opens (the upgrade answered 101 after the PROXY header).
        BrowserClient.Stream live = owner.browser().openLiveOn(hub.livePort());
        assertThat(live.closed()).isFalse();
        live.close();
        stream.close();
    }

    @Test
    void aPROXYHeaderStraightToTheNodeFromAnAddressThatIsNoTrustedProxyIsRefused() throws Exception {
        for (int port : List.of(hub.devicePort(), hub.livePort())) {
            try (Socket tcp = connect(BALANCER, port)) {
                tcp.getOutputStream().write(proxyHeader("203.0.113.7"));
                assertThat(closedWithoutAnswer(tcp)).as("port %s", port).isTrue();
            }
        }
    }

    @Test
    void theTrustedProxyWithoutTheHeaderIsRefused() throws Exception {
        for (int port : List.of(hub.devicePort(), hub.livePort())) {
            try (Socket tcp = connect(PROXY_SOURCE, port)) {
                SSLSocket tls = (SSLSocket) TlsContexts.client(null, hub.hubCaCertificate())
                        .getSocketFactory()
                        .createSocket(tcp, "localhost", port, false);
                tls.setSSLParameters(TlsContexts.parameters());
                boolean handshook;
                try {
                    tls.startHandshake();
                    handshook = true;
                } catch (IOException e) {
                    handshook = false;
                }
                assertThat(handshook).as("port %s", port).isFalse();
            }
        }
    }

    @Test
    void perAddressLimitsOnTheBrowserPortCountEachBrowsersOwnAddressAndNoForgedHeader() {
        // Setup attempts are limited per address (10 in 10 min): a guesser at 127.0.0.6, through HAProxy.
        BrowserClient guesser = hub.browserFrom("127.0.0.6");
        for (int i = 0; i < 10; i++) {
            assertThat(guesser.setup("wrong-token-" + i, "mallory", "password password")
                            .status())
                    .isNotEqualTo(429);
        }
        assertThat(guesser.setup("wrong-token", "mallory", "password password").status())
                .isEqualTo(429);
        // Another browser, through the same HAProxy, is not held back by the guesser's limit.
        assertThat(hub.browserFrom("127.0.0.7")
                        .setup("wrong-token", "someone", "password password")
                        .status())
                .isNotEqualTo(429);
        // Straight to the node (from 127.0.0.1, no trusted proxy), X-Forwarded-For is nobody's word: it is not
        // charged to the guesser's address.
        BrowserClient direct =
                BrowserClient.of(URI.create("https://" + NODE + ":" + hub.browserPort() + "/"), hub.hubCaCertificate());
        direct.get("/api/session");
        BrowserClient.Response forged =
                direct.sendRaw(HttpRequest.newBuilder(direct.base().resolve("/api/setup"))
                        .header("Content-Type", "application/json")
                        .header("X-XSRF-TOKEN", direct.csrfToken().orElseThrow())
                        .header("X-Forwarded-For", "127.0.0.6")
                        .POST(
                                HttpRequest.BodyPublishers.ofString(
                                        "{\"token\":\"wrong\",\"username\":\"x\",\"password\":\"password password\",\"householdName\":\"H\"}"))
                        .build());
        assertThat(forged.status()).as(forged.body()).isNotEqualTo(429);
    }

    // ---- helpers

    private static Socket connect(String from, int port) throws IOException {
        Socket tcp = new Socket();
        tcp.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        tcp.connect(new InetSocketAddress(InetAddress.getByName(NODE), port), 3000);
        tcp.setSoTimeout(5000);
        return tcp;
    }

    private static boolean closedWithoutAnswer(Socket tcp) throws IOException {
        try {
            InputStream in = tcp.getInputStream();
            return in.read() == -1;
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }

    /** A PROXY v2 header (PROXY, TCP over IPv4) claiming {@code source}. */
    private static byte[] proxyHeader(String source) throws IOException {
        return ByteBuffer.allocate(28)
                .put(SIGNATURE)
                .put((byte) 0x21)
                .put((byte) 0x11)
                .putShort((short) 12)
                .put(InetAddress.getByName(source).getAddress())
                .put(InetAddress.getByName(NODE).getAddress())
                .putShort((short) 4711)
                .putShort((short) 443)
                .array();
    }
}
