package dev.doorward.hub.link.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.hub.testing.RawDeviceLink;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The device port's server on its own, with a recording endpoint: real TLS with client certificates, real
 * WebSocket clients. What the link logic does with messages is {@code DeviceLinkTest}'s business; this is about
 * the transport keeping its promises (order, limits, timeouts, a device that stops reading, a flood).
 */
@ParameterizedClass
@EnumSource(LinkServerTest.Platform.class)
class LinkServerTest {
    /**
     * Both pairs keep the same promises: what the hub runs on Linux x86-64, and its fallback where neither native
     * library loads (both ship for that platform only, so they load or fail together).
     */
    enum Platform {
        BORINGSSL_OVER_EPOLL(LinkTls.Stack.BORINGSSL, Transport.EPOLL),
        JDK_TLS_OVER_NIO(LinkTls.Stack.JDK, Transport.NIO);

        final LinkTls.Stack stack;
        final Transport transport;

        Platform(LinkTls.Stack stack, Transport transport) {
            this.stack = stack;
            this.transport = transport;
        }
    }

    @Parameter
    Platform platform;

    private static final int MAX_TEXT = 1000;
    private static final int MAX_BINARY = 8 * 1024;
    private static final SecureRandom random = new SecureRandom();

    private CertificateAuthority ca;
    private Credential device;
    private Recorder endpoint;
    private LinkServer server;
    private EventLoopGroup network;

    @BeforeEach
    void start() throws Exception {
        ca = CertificateAuthority.create(
                CertificateKind.HUB_CA, "Transport test CA", Duration.ofDays(1), Clock.systemUTC(), random);
        Credential serverCredential = ca.issueServerCredential(List.of("localhost"), Duration.ofDays(1));
        KeyPair keys = KeyPairs.newP256(random);
        device = new Credential(
                keys.getPrivate(),
                List.of(ca.issueOperationalCertificate(keys.getPublic(), "device-1", Duration.ofDays(1))));
        endpoint = new Recorder();
        network = platform.transport.newGroup(2);
        server = LinkServer.start(
                LinkTls.server(platform.stack, serverCredential, List.of(ca.certificate())),
                new LinkServer.Settings(0, MAX_TEXT, MAX_BINARY, 2, Duration.ofMillis(700)),
                network,
                UpgradeGate.TLS_DECIDES,
                Map.of("/link", endpoint));
    }

    @AfterEach
    void stop() {
        server.close();
        network.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Test
    void onLinuxX8664TheHubUsesEpollAndBoringSsl() {
        // Both native libraries ship for this platform; a missing one would silently cost the fallback's CPU.
        org.junit.jupiter.api.Assumptions.assumeTrue(
                System.getProperty("os.name").equals("Linux")
                        && System.getProperty("os.arch").equals("amd64"));
        assertThat(Transport.best()).isEqualTo(Transport.EPOLL);
        assertThat(LinkTls.best()).isEqualTo(LinkTls.Stack.BORINGSSL);
        assertThat(Transport.of(network)).isEqualTo(platform.transport);
    }

    @Test
    void aLinkSeesItsCertificateItsMessagesInOrderAndItsCloseOnce() throws Exception {
        RawDeviceLink client = connect(device);
        Recorder.Opened opened = endpoint.opened.poll(5, TimeUnit.SECONDS);
        assertThat(opened).isNotNull();
        assertThat(opened.chain()[0].getSubjectX500Principal().getName()).contains("device-1");

        for (int i = 0; i < 200; i++) {
            client.send("message " + i);
        }
        client.sendBinary(ByteBuffer.wrap(new byte[] {9, 8, 7}));
        for (int i = 0; i < 200; i++) {
            assertThat(endpoint.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("message " + i);
        }
        assertThat(endpoint.binaries.poll(5, TimeUnit.SECONDS)).containsExactly(9, 8, 7);

        opened.socket().sendText("from the hub");
        opened.socket().sendBinary(ByteBuffer.wrap(new byte[] {1, 2}));
        assertThat(client.next(Duration.ofSeconds(5))).contains("from the hub");
        assertThat(client.nextBinary(Duration.ofSeconds(5))).contains(ByteBuffer.wrap(new byte[] {1, 2}));

        opened.socket().close(LinkSocket.CloseReason.POLICY_VIOLATION.withReason("bye"));
        assertThat(client.awaitClosed(Duration.ofSeconds(5))).isTrue();
        assertThat(client.closeCode()).contains(1008);
        assertThat(endpoint.closed.poll(5, TimeUnit.SECONDS)).isSameAs(opened.socket());
        assertThat(endpoint.closed.poll(300, TimeUnit.MILLISECONDS)).isNull();
        assertThat(opened.socket().isOpen()).isFalse();
    }

    @Test
    void aPeersCloseIsAnsweredOnceWithItsCodeAndTheEndpointHearsOfIt() throws Exception {
        try (FrameClient client = FrameClient.upgrade(tlsSocket(device))) {
            LinkSocket socket = endpoint.opened.poll(5, TimeUnit.SECONDS).socket();
            client.sendClose(1000, "bye");
            List<FrameClient.Frame> frames = client.framesUntilTheEnd();
            assertThat(frames).filteredOn(FrameClient.Frame::isClose).hasSize(1);
            assertThat(frames.getLast().isClose()).isTrue();
            assertThat(frames.getLast().closeCode()).isEqualTo(1000);
            assertThat(endpoint.closed.poll(5, TimeUnit.SECONDS)).isSameAs(socket);
            assertThat(socket.isOpen()).isFalse();
        }
    }

    @Test
    void theAnswerToTheHubsCloseIsNotAnsweredAgain() throws Exception {
        try (FrameClient client = FrameClient.upgrade(tlsSocket(device))) {
            LinkSocket socket = endpoint.opened.poll(5, TimeUnit.SECONDS).socket();
            socket.close(LinkSocket.CloseReason.POLICY_VIOLATION);
            FrameClient.Frame first = client.nextFrame();
            assertThat(first.isClose()).isTrue();
            assertThat(first.closeCode()).isEqualTo(1008);
            // A browser answers the hub's close; a second close frame after that fails its stream.
            client.sendClose(1008, "");
            assertThat(client.framesUntilTheEnd()).noneMatch(FrameClient.Frame::isClose);
            assertThat(endpoint.closed.poll(5, TimeUnit.SECONDS)).isSameAs(socket);
        }
    }

    @Test
    void closesThatCrossEachOtherGiveOneCloseFrame() throws Exception {
        for (int i = 0; i < 20; i++) {
            try (FrameClient client = FrameClient.upgrade(tlsSocket(device))) {
                LinkSocket socket = endpoint.opened.poll(5, TimeUnit.SECONDS).socket();
                // Both ends close at once, as at a sign-out: the app closes its stream, the hub ends it.
                Thread.ofPlatform().start(() -> socket.close(LinkSocket.CloseReason.POLICY_VIOLATION));
                client.sendClose(1000, "");
                assertThat(client.framesUntilTheEnd())
                        .filteredOn(FrameClient.Frame::isClose)
                        .hasSizeLessThanOrEqualTo(1);
                assertThat(endpoint.closed.poll(5, TimeUnit.SECONDS)).isSameAs(socket);
            }
        }
    }

    @Test
    void aTextIsHandledAtOnceOnlyWithNothingQueuedBeforeItAndItsAnswerFollowsEarlierAnswers() throws Exception {
        RawDeviceLink client = connect(device);
        assertThat(endpoint.opened.poll(5, TimeUnit.SECONDS)).isNotNull();

        client.send(Recorder.AT_ONCE + "1");
        assertThat(client.next(Duration.ofSeconds(5))).contains("answered " + Recorder.AT_ONCE + "1");
        assertThat(endpoint.handledAtOnce.poll()).isEqualTo(Recorder.AT_ONCE + "1");
        assertThat(endpoint.texts.poll(300, TimeUnit.MILLISECONDS))
                .as("handled at once, not again in order")
                .isNull();

        // Behind a message still being handled it waits its turn, in order.
        endpoint.busy = new CountDownLatch(1);
        int started = endpoint.started.get();
        client.send("slow");
        waitUntil(() -> endpoint.started.get() > started);
        client.send(Recorder.AT_ONCE + "2");
        assertThat(endpoint.texts.poll(300, TimeUnit.MILLISECONDS)).isNull();
        endpoint.busy.countDown();
        assertThat(endpoint.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("slow");
        assertThat(endpoint.texts.poll(5, TimeUnit.SECONDS)).isEqualTo(Recorder.AT_ONCE + "2");
        assertThat(endpoint.handledAtOnce).isEmpty();
        assertThat(client.next(Duration.ofSeconds(5))).contains("answered " + Recorder.AT_ONCE + "2");

        // Answered at once or in order, an answer never overtakes the answer to what came before it.
        for (int i = 0; i < 50; i++) {
            client.send("answer " + i);
            client.send(Recorder.AT_ONCE + "after " + i);
            assertThat(client.next(Duration.ofSeconds(5))).contains("answered answer " + i);
            assertThat(client.next(Duration.ofSeconds(5))).contains("answered " + Recorder.AT_ONCE + "after " + i);
        }
    }

    @Test
    void oneTextToManyLinksReachesEachOpenOneOnceAndSkipsAClosedOne() throws Exception {
        List<RawDeviceLink> clients = new ArrayList<>();
        List<LinkSocket> sockets = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            clients.add(connect(device));
            sockets.add(endpoint.opened.poll(5, TimeUnit.SECONDS).socket());
        }
        sockets.get(2).close(LinkSocket.CloseReason.GOING_AWAY);
        assertThat(clients.get(2).awaitClosed(Duration.ofSeconds(5))).isTrue();

        String text = "to every open app: ding ✓";
        for (int round = 0; round < 3; round++) {
            LinkSocket.sendTextToEach(sockets, text + " " + round);
        }
        for (int i = 0; i < 5; i++) {
            if (i == 2) {
                continue;
            }
            for (int round = 0; round < 3; round++) {
                assertThat(clients.get(i).next(Duration.ofSeconds(5))).contains(text + " " + round);
            }
            assertThat(clients.get(i).next(Duration.ofMillis(200))).isEmpty();
        }
    }

    private static void waitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 5 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void aDeviceThatReconnectsResumesItsTlsSessionAndIsStillKnownByItsCertificate() throws Exception {
        AtomicInteger certificatesSent = new AtomicInteger();
        SSLContext tls = countingClient(device, certificatesSent);
        URI uri = URI.create("wss://localhost:" + server.port() + "/link");
        RawDeviceLink first = RawDeviceLink.connect(uri, tls);
        Recorder.Opened opened = endpoint.opened.poll(5, TimeUnit.SECONDS);
        assertThat(certificatesSent).hasValue(1);
        // The session ticket follows the handshake; a message after it makes sure the client has it.
        opened.socket().sendText("welcome");
        assertThat(first.next(Duration.ofSeconds(5))).contains("welcome");
        first.close();

        RawDeviceLink second = RawDeviceLink.connect(uri, tls);
        Recorder.Opened resumed = endpoint.opened.poll(5, TimeUnit.SECONDS);
        assertThat(certificatesSent)
                .as("no certificate asked for: the session was resumed")
                .hasValue(1);
        // The link logic still gets the certificate chain, so it still checks the serial on every connection.
        assertThat(resumed.chain()).isNotEmpty();
        assertThat(resumed.chain()[0]).isEqualTo(device.chain().get(0));
        second.close();
    }

    /** A client TLS context presenting {@code credential}, counting the handshakes in which it sent it. */
    private SSLContext countingClient(Credential credential, AtomicInteger sent) throws Exception {
        char[] none = new char[0];
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry(
                "device", credential.privateKey(), none, credential.chain().toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(keys, none);
        X509ExtendedKeyManager real = (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
        X509ExtendedKeyManager counting = new X509ExtendedKeyManager() {
            @Override
            public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
                sent.incrementAndGet();
                return real.chooseEngineClientAlias(keyType, issuers, engine);
            }

            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return real.getClientAliases(keyType, issuers);
            }

            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                sent.incrementAndGet();
                return real.chooseClientAlias(keyType, issuers, socket);
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return null;
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return real.getCertificateChain(alias);
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return real.getPrivateKey(alias);
            }
        };
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        anchors.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(anchors);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(new KeyManager[] {counting}, tmf.getTrustManagers(), random);
        return context;
    }

    @Test
    void messagesOverTheLimitsCloseTheLinkWith1009() throws Exception {
        RawDeviceLink text = connect(device);
        text.sendWithoutWaiting("x".repeat(MAX_TEXT + 1));
        assertThat(text.awaitClosed(Duration.ofSeconds(5))).isTrue();
        assertThat(text.closeCode().orElseThrow()).isIn(1009, -1);

        RawDeviceLink binary = connect(device);
        try {
            binary.sendBinary(ByteBuffer.allocate(MAX_BINARY + 1));
        } catch (CompletionException closedWhileWriting) {
            // the server closed first: that is the point
        }
        assertThat(binary.awaitClosed(Duration.ofSeconds(5))).isTrue();
        assertThat(binary.closeCode().orElseThrow()).isIn(1009, -1);
        // Neither message reached the endpoint.
        assertThat(endpoint.texts).isEmpty();
        assertThat(endpoint.binaries).isEmpty();
    }

    @Test
    void onlyTheLinkPathIsServedAndOnlyToACertificateFromTheTrustedCa() throws Exception {
        assertThat(rawGet(device, "/other")).startsWith("HTTP/1.1 404");
        // The link path without an upgrade: an HTTP answer, not a link.
        assertThat(rawGet(device, "/link")).startsWith("HTTP/1.1 4");
        assertThat(rawGet(null, "/link")).isEmpty();
        CertificateAuthority stranger = CertificateAuthority.create(
                CertificateKind.HUB_CA, "Transport test CA", Duration.ofDays(1), Clock.systemUTC(), random);
        KeyPair keys = KeyPairs.newP256(random);
        Credential forged = new Credential(
                keys.getPrivate(),
                List.of(stranger.issueOperationalCertificate(keys.getPublic(), "device-1", Duration.ofDays(1))));
        assertThat(rawGet(forged, "/link")).isEmpty();
        assertThat(endpoint.opened).isEmpty();
    }

    @Test
    void aConnectionThatNeverUpgradesIsClosedAfterTheTimeout() throws Exception {
        try (SSLSocket socket = tlsSocket(device)) {
            socket.startHandshake();
            socket.setSoTimeout(5_000);
            long started = System.nanoTime();
            // Nothing sent: the server closes (end of stream, or a reset), well before the socket timeout.
            try {
                assertThat(socket.getInputStream().read()).isEqualTo(-1);
            } catch (IOException closedHard) {
                // also closed
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
        }
        assertThat(endpoint.opened).isEmpty();
    }

    @Test
    void aDeviceThatStopsReadingIsDroppedNotBuffered() throws Exception {
        RawDeviceLink client = connect(device);
        client.stopReading(); // takes one message, then never asks for more
        LinkSocket socket = endpoint.opened.poll(5, TimeUnit.SECONDS).socket();
        String big = "z".repeat(256 * 1024);
        IOException refused = null;
        for (int i = 0; i < 2_000 && refused == null; i++) {
            try {
                socket.sendText(big);
            } catch (IOException e) {
                refused = e;
            }
            Thread.sleep(1);
        }
        // 2 000 × 256 KiB = 500 MiB offered; the server gave up long before holding it.
        assertThat(refused).isNotNull();
        assertThat(endpoint.closed.poll(5, TimeUnit.SECONDS)).isSameAs(socket);
    }

    @Test
    void aFloodWhileTheEndpointIsBusyIsHeldBackByTcpNotQueuedAndNothingIsLost() throws Exception {
        RawDeviceLink client = connect(device);
        NettyLinkSocket link =
                (NettyLinkSocket) endpoint.opened.poll(5, TimeUnit.SECONDS).socket();
        endpoint.busy = new CountDownLatch(1);
        // 40 000 × 900 B = 36 MB, more than loopback's socket buffers can absorb.
        int count = 40_000;
        String filler = "f".repeat(900);
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < count; i++) {
                client.send("flood " + i + " " + filler);
            }
        });
        Thread.sleep(1_500);
        // The endpoint is stuck on the first message; the server stopped reading instead of queueing them all.
        assertThat(endpoint.started.get()).isEqualTo(1);
        assertThat(sending).isNotDone();
        // Held: the pause threshold plus what one network read had already brought in (not 40 000).
        assertThat(link.queued()).isBetween(64, 1_000);
        endpoint.busy.countDown();
        sending.get(60, TimeUnit.SECONDS);
        for (int i = 0; i < count; i++) {
            assertThat(endpoint.texts.poll(10, TimeUnit.SECONDS)).startsWith("flood " + i + " ");
        }
    }

    // ---- helpers

    private RawDeviceLink connect(Credential credential) {
        return RawDeviceLink.connect(
                URI.create("wss://localhost:" + server.port() + "/link"), credential, ca.certificate());
    }

    private SSLSocket tlsSocket(Credential credential) throws IOException {
        SSLSocket socket = (SSLSocket) TlsContexts.client(credential, ca.certificate())
                .getSocketFactory()
                .createSocket("localhost", server.port());
        socket.setSSLParameters(TlsContexts.parameters());
        return socket;
    }

    /** A plain GET over TLS; what came back, empty when the server refused the connection. */
    private String rawGet(Credential credential, String path) throws IOException {
        try (SSLSocket socket = tlsSocket(credential)) {
            socket.setSoTimeout(5_000);
            socket.startHandshake();
            socket.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (javax.net.ssl.SSLException | java.net.SocketException e) {
            return "";
        }
    }

    /** A WebSocket client at the frame level: what a browser sees, close frames included. */
    private static final class FrameClient implements AutoCloseable {
        record Frame(int opcode, byte[] payload) {
            boolean isClose() {
                return opcode == 0x8;
            }

            int closeCode() {
                return payload.length < 2 ? -1 : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
            }
        }

        private final SSLSocket socket;
        private final java.io.DataInputStream in;

        private FrameClient(SSLSocket socket) throws IOException {
            this.socket = socket;
            this.in = new java.io.DataInputStream(socket.getInputStream());
        }

        static FrameClient upgrade(SSLSocket socket) throws IOException {
            socket.setSoTimeout(5_000);
            socket.startHandshake();
            socket.getOutputStream()
                    .write(("GET /link HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            FrameClient client = new FrameClient(socket);
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) client.in.readUnsignedByte());
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 101");
            return client;
        }

        void sendClose(int code, String reason) throws IOException {
            byte[] text = reason.getBytes(StandardCharsets.UTF_8);
            byte[] payload = ByteBuffer.allocate(2 + text.length)
                    .putShort((short) code)
                    .put(text)
                    .array();
            byte[] mask = new byte[4];
            random.nextBytes(mask);
            ByteBuffer frame = ByteBuffer.allocate(6 + payload.length)
                    .put((byte) 0x88)
                    .put((byte) (0x80 | payload.length))
                    .put(mask);
            for (int i = 0; i < payload.length; i++) {
                frame.put((byte) (payload[i] ^ mask[i % 4]));
            }
            socket.getOutputStream().write(frame.array());
            socket.getOutputStream().flush();
        }

        Frame nextFrame() throws IOException {
            int first = in.readUnsignedByte();
            int length = in.readUnsignedByte() & 0x7f;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = Math.toIntExact(in.readLong());
            }
            byte[] payload = new byte[length];
            in.readFully(payload);
            return new Frame(first & 0x0f, payload);
        }

        /** Every frame until the server ends the connection (within the socket's timeout). */
        List<Frame> framesUntilTheEnd() throws IOException {
            List<Frame> frames = new ArrayList<>();
            try {
                while (true) {
                    frames.add(nextFrame());
                }
            } catch (java.io.EOFException | javax.net.ssl.SSLException | java.net.SocketException ended) {
                return frames;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Records what the server tells its endpoint; can be made to block, as a slow database would. */
    static final class Recorder implements LinkEndpoint {
        record Opened(LinkSocket socket, X509Certificate[] chain) {}

        final BlockingQueue<Opened> opened = new LinkedBlockingQueue<>();
        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final BlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();
        final BlockingQueue<LinkSocket> closed = new LinkedBlockingQueue<>();
        final java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
        volatile CountDownLatch busy = new CountDownLatch(0);

        @Override
        public void opened(LinkSocket socket, X509Certificate[] chain) {
            opened.add(new Opened(socket, chain));
        }

        @Override
        public void text(LinkSocket socket, String text) {
            started.incrementAndGet();
            try {
                busy.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            texts.add(text);
            if (text.startsWith("answer") || text.startsWith(AT_ONCE)) {
                answer(socket, text);
            }
        }

        /** Texts starting with this are offered to be handled at once, and answered. */
        static final String AT_ONCE = "at once: ";

        final BlockingQueue<String> handledAtOnce = new LinkedBlockingQueue<>();

        @Override
        public boolean handledAtOnce(LinkSocket socket, String text) {
            if (!text.startsWith(AT_ONCE)) {
                return false;
            }
            handledAtOnce.add(text);
            answer(socket, text);
            return true;
        }

        private static void answer(LinkSocket socket, String text) {
            try {
                socket.sendText("answered " + text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void binary(LinkSocket socket, ByteBuffer message) {
            byte[] bytes = new byte[message.remaining()];
            message.get(bytes);
            binaries.add(bytes);
        }

        @Override
        public void closed(LinkSocket socket) {
            closed.add(socket);
        }
    }
}
