package dev.doorward.hub.link.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.hub.config.TrustedProxies;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PROXY protocol v2 on a link server, with headers written byte by byte here (the real HAProxy is
 * {@code BehindHaproxyTest}'s): a trusted proxy's header names the client, anyone else's is refused, a trusted proxy
 * must send one, and a malformed one closes the connection.
 */
class ProxyProtocolTest {
    private static final SecureRandom random = new SecureRandom();
    /** The v2 signature: {@code \r\n\r\n\0\r\nQUIT\n}. */
    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private CertificateAuthority ca;
    private Credential serverCredential;
    private Credential device;
    private LinkServerTest.Recorder endpoint;
    private LinkServer server;

    @BeforeEach
    void credentials() {
        ca = CertificateAuthority.create(
                CertificateKind.HUB_CA, "Proxy test CA", Duration.ofDays(1), Clock.systemUTC(), random);
        serverCredential = ca.issueServerCredential(List.of("localhost"), Duration.ofDays(1));
        KeyPair keys = KeyPairs.newP256(random);
        device = new Credential(
                keys.getPrivate(),
                List.of(ca.issueOperationalCertificate(keys.getPublic(), "device-1", Duration.ofDays(1))));
        endpoint = new LinkServerTest.Recorder();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(String... trusted) throws InterruptedException {
        server = LinkServer.start(
                LinkTls.server(LinkTls.best(), serverCredential, List.of(ca.certificate())),
                new LinkServer.Settings(
                        0,
                        1000,
                        8 * 1024,
                        1,
                        Duration.ofSeconds(3),
                        InetAddress.getLoopbackAddress(),
                        TrustedProxies.parse(List.of(trusted))),
                "/link",
                endpoint);
    }

    @Test
    void aTrustedProxysHeaderNamesTheClient() throws Exception {
        start("127.0.0.9");
        try (Socket tcp = connectFrom("127.0.0.9")) {
            tcp.getOutputStream().write(v2Header(0x21, new byte[] {(byte) 203, 0, 113, 7}, 4711));
            assertThat(upgrade(tcp)).startsWith("HTTP/1.1 101");
            LinkServerTest.Recorder.Opened opened = endpoint.opened.poll(5, TimeUnit.SECONDS);
            assertThat(opened).isNotNull();
            assertThat(opened.socket().clientAddress())
                    .isEqualTo(new InetSocketAddress(InetAddress.getByName("203.0.113.7"), 4711));
        }
    }

    @Test
    void aTrustedProxysLocalHeaderKeepsItsOwnAddress() throws Exception {
        start("127.0.0.0/24");
        try (Socket tcp = connectFrom("127.0.0.9")) {
            // LOCAL (0x20): the proxy's own connection, a health check; no addresses follow.
            tcp.getOutputStream().write(header(0x20, 0x00, new byte[0]));
            assertThat(upgrade(tcp)).startsWith("HTTP/1.1 101");
            LinkServerTest.Recorder.Opened opened = endpoint.opened.poll(5, TimeUnit.SECONDS);
            assertThat(opened.socket().clientAddress().getAddress()).isEqualTo(InetAddress.getByName("127.0.0.9"));
        }
    }

    @Test
    void aTrustedProxyMustSendTheHeader() throws Exception {
        start("127.0.0.9");
        try (Socket tcp = connectFrom("127.0.0.9")) {
            assertThat(upgrade(tcp)).isEmpty();
        }
        assertThat(endpoint.opened.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void aHeaderFromAnAddressThatIsNoTrustedProxyIsRefusedWhileItsPlainConnectionsWork() throws Exception {
        start("127.0.0.9");
        try (Socket tcp = connectFrom("127.0.0.8")) {
            tcp.getOutputStream().write(v2Header(0x21, new byte[] {(byte) 203, 0, 113, 7}, 4711));
            assertThat(closedWithoutAnswer(tcp)).isTrue();
        }
        try (Socket tcp = connectFrom("127.0.0.8")) {
            tcp.getOutputStream()
                    .write("PROXY TCP4 203.0.113.7 127.0.0.1 4711 443\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(closedWithoutAnswer(tcp)).isTrue();
        }
        assertThat(endpoint.opened.poll(300, TimeUnit.MILLISECONDS)).isNull();

        try (Socket tcp = connectFrom("127.0.0.8")) {
            assertThat(upgrade(tcp)).startsWith("HTTP/1.1 101");
            LinkServerTest.Recorder.Opened opened = endpoint.opened.poll(5, TimeUnit.SECONDS);
            assertThat(opened.socket().clientAddress().getAddress()).isEqualTo(InetAddress.getByName("127.0.0.8"));
        }
    }

    @Test
    void malformedOversizedAndVersionOneHeadersFromATrustedProxyCloseTheConnection() throws Exception {
        start("127.0.0.9");
        List<byte[]> bad = List.of(
                // version 3
                header(0x31, 0x11, new byte[12]),
                // an address block too short for TCP over IPv4
                header(0x21, 0x11, new byte[4]),
                // TLVs beyond what the node accepts
                header(0x21, 0x11, new byte[12 + 2000]),
                // UDP carries no TCP client
                header(0x21, 0x12, new byte[12]),
                "PROXY TCP4 203.0.113.7 127.0.0.1 4711 443\r\n".getBytes(StandardCharsets.US_ASCII));
        for (byte[] header : bad) {
            try (Socket tcp = connectFrom("127.0.0.9")) {
                tcp.getOutputStream().write(header);
                assertThat(upgrade(tcp)).as("header %s", header.length).isEmpty();
            }
        }
        assertThat(endpoint.opened.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }

    // ---- helpers

    private Socket connectFrom(String local) throws IOException {
        Socket tcp = new Socket();
        tcp.bind(new InetSocketAddress(InetAddress.getByName(local), 0));
        tcp.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 3000);
        tcp.setSoTimeout(5000);
        return tcp;
    }

    /** TLS over the connection, then a WebSocket upgrade; the status line, empty when the server closed it. */
    private String upgrade(Socket tcp) throws IOException {
        try {
            SSLSocket tls = (SSLSocket) TlsContexts.client(device, ca.certificate())
                    .getSocketFactory()
                    .createSocket(tcp, "localhost", server.port(), false);
            tls.setSSLParameters(TlsContexts.parameters());
            tls.startHandshake();
            OutputStream out = tls.getOutputStream();
            out.write(("GET /link HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = tls.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b >= 0 && b != '\r'; b = in.read()) {
                line.append((char) b);
            }
            return line.toString();
        } catch (javax.net.ssl.SSLException | java.net.SocketException e) {
            return "";
        }
    }

    private static boolean closedWithoutAnswer(Socket tcp) throws IOException {
        try {
            return tcp.getInputStream().read() == -1;
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }

    /** A v2 PROXY header for TCP over IPv4 from {@code source:port} to 127.0.0.1:443. */
    private static byte[] v2Header(int versionAndCommand, byte[] source, int port) {
        ByteBuffer addresses = ByteBuffer.allocate(12)
                .put(source)
                .put(new byte[] {127, 0, 0, 1})
                .putShort((short) port)
                .putShort((short) 443);
        return header(versionAndCommand, 0x11, addresses.array());
    }

    private static byte[] header(int versionAndCommand, int family, byte[] rest) {
        return ByteBuffer.allocate(16 + rest.length)
                .put(SIGNATURE)
                .put((byte) versionAndCommand)
                .put((byte) family)
                .putShort((short) rest.length)
                .put(rest)
                .array();
    }
}
