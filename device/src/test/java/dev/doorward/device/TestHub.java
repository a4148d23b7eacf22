package dev.doorward.device;

import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Certificates;
import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.pki.Pem;
import dev.doorward.crypto.setup.SetupProof;
import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.protocol.ClaimCode;
import dev.doorward.protocol.LinkCodec;
import dev.doorward.protocol.LinkMessage;
import dev.doorward.protocol.LinkMessage.CertificateRenewed;
import dev.doorward.protocol.LinkMessage.ClaimAccepted;
import dev.doorward.protocol.LinkMessage.ClaimChallenge;
import dev.doorward.protocol.LinkMessage.ClaimConfirm;
import dev.doorward.protocol.LinkMessage.ClaimRefusal;
import dev.doorward.protocol.LinkMessage.ClaimRefused;
import dev.doorward.protocol.LinkMessage.ClaimRequest;
import dev.doorward.protocol.LinkMessage.DeviceEvent;
import dev.doorward.protocol.LinkMessage.EventAck;
import dev.doorward.protocol.LinkMessage.FromDevice;
import dev.doorward.protocol.LinkMessage.Heartbeat;
import dev.doorward.protocol.LinkMessage.HeartbeatAck;
import dev.doorward.protocol.LinkMessage.Hello;
import dev.doorward.protocol.LinkMessage.RenewCertificate;
import dev.doorward.protocol.LinkMessage.Welcome;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A minimal hub for the device's tests: a mutual-TLS WebSocket server (hand-rolled RFC 6455, text frames
 * only) that speaks the claim and normal conversations with crypto's real hub side. Not the product hub;
 * just enough to prove the device's real network path.
 */
public final class TestHub implements AutoCloseable {
    private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    public final CertificateAuthority hubCa;
    public final List<DeviceEvent> events = new CopyOnWriteArrayList<>();
    public final List<FromDevice> received = new CopyOnWriteArrayList<>();
    public final Map<String, String> claimedDevices = new ConcurrentHashMap<>(); // deviceId → serial
    public final AtomicInteger connections = new AtomicInteger();
    public volatile boolean ackEvents = true;
    public volatile boolean answerHeartbeats = true;
    /** Validity of the operational certificates this hub issues at claim time. */
    public volatile Duration operationalValidity = Duration.ofDays(365);
    /** What the hub answers a RenewCertificate with (PEM), given the device's current certificate; null: nothing. */
    public volatile Function<X509Certificate, String> renewals =
            peer -> Pem.certificate(hubCa().issueOperationalCertificate(
                            peer.getPublicKey(), Certificates.commonName(peer).orElseThrow(), Duration.ofDays(365)));
    /** The certificate each normal (non-claim) connection presented, in order. */
    public final List<X509Certificate> normalPeers = new CopyOnWriteArrayList<>();

    private final SecureRandom random;
    private final SSLServerSocket server;
    private final Map<String, String> tickets = new ConcurrentHashMap<>(); // ticket → typed setup code
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Session> normalSessions = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    public TestHub(X509Certificate manufacturerCa, Clock clock, SecureRandom random) throws IOException {
        this.random = random;
        this.hubCa = TestPki.hubCa(clock, random);
        Credential serverCredential = hubCa.issueServerCredential(List.of("127.0.0.1"), Duration.ofDays(30));
        SSLContext context = TlsContexts.server(serverCredential, List.of(manufacturerCa, hubCa.certificate()));
        server = (SSLServerSocket)
                context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        SSLParameters parameters = TlsContexts.parameters();
        parameters.setNeedClientAuth(true);
        server.setSSLParameters(parameters);
        Thread.ofVirtual().name("test-hub-accept").start(this::acceptLoop);
    }

    public URI url() {
        return URI.create("wss://127.0.0.1:" + server.getLocalPort() + "/device");
    }

    /** What the hub hands the owner's browser after the owner typed {@code typedSetupCode}. */
    public ClaimCode issueTicket(String typedSetupCode, String ownerKeyFingerprint) {
        String ticket = RandomIds.newId(random);
        tickets.put(ticket, typedSetupCode);
        return new ClaimCode(ticket, hubCa.fingerprint(), ownerKeyFingerprint, url());
    }

    /** Drops every connection, as a hub restart would. */
    public void dropAll() {
        // Only what is closed here is forgotten: a reconnection accepted meanwhile (the device retries within
        // milliseconds) stays listed, or the next drop would miss it and the device would stay connected.
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // gone anyway
            }
            sockets.remove(socket);
        }
    }

    private CertificateAuthority hubCa() {
        return hubCa;
    }

    /** Sends {@code message} on every open normal connection (a veto, a pushed certificate …). */
    public void sendToDevice(LinkMessage.FromHub message) {
        for (Session session : normalSessions) {
            try {
                session.send(message);
            } catch (IOException e) {
                normalSessions.remove(session);
            }
        }
    }

    /** Messages of one type the device sent. */
    public <T extends FromDevice> List<T> received(Class<T> type) {
        return received.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** What the hub saw, for a failed wait's message: connections and the types of the messages received. */
    public String seen() {
        return connections.get() + " TLS connection(s); received "
                + received.stream().map(m -> m.getClass().getSimpleName()).toList();
    }

    public List<DeviceEvent> events(dev.doorward.protocol.EventKind kind) {
        return events.stream().filter(e -> e.kind() == kind).toList();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        dropAll();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                Thread.ofVirtual().start(() -> serve((SSLSocket) socket));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void serve(SSLSocket socket) {
        Session session = null;
        try (socket) {
            socket.startHandshake();
            connections.incrementAndGet();
            X509Certificate peer = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            handshake(in, out);
            session = new Session(peer, out);
            DataInputStream data = new DataInputStream(in);
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            while (true) {
                int b0 = data.read();
                if (b0 < 0) {
                    return;
                }
                int opcode = b0 & 0x0F;
                int b1 = data.readUnsignedByte();
                long length = b1 & 0x7F;
                if (length == 126) {
                    length = data.readUnsignedShort();
                } else if (length == 127) {
                    length = data.readLong();
                }
                byte[] mask = new byte[4];
                if ((b1 & 0x80) != 0) {
                    data.readFully(mask);
                }
                byte[] payload = new byte[(int) length];
                data.readFully(payload);
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= mask[i % 4];
                }
                switch (opcode) {
                    case 0x8 -> {
                        session.frame(0x8, new byte[] {0x03, (byte) 0xE8});
                        return;
                    }
                    case 0x9 -> session.frame(0xA, payload);
                    case 0x0, 0x1 -> {
                        message.write(payload);
                        if ((b0 & 0x80) != 0) {
                            session.text(message.toString(StandardCharsets.UTF_8));
                            message.reset();
                        }
                    }
                    default -> {}
                }
            }
        } catch (IOException e) {
            // the device went away or the hub was told to drop it
        } finally {
            if (session != null) {
                normalSessions.remove(session);
            }
        }
    }

    private static void handshake(InputStream in, OutputStream out) throws IOException {
        String key = null;
        StringBuilder line = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("eof in handshake");
            }
            if (c == '\n') {
                String header = line.toString().strip();
                line.setLength(0);
                if (header.isEmpty()) {
                    break;
                }
                int colon = header.indexOf(':');
                if (colon > 0 && header.substring(0, colon).equalsIgnoreCase("Sec-WebSocket-Key")) {
                    key = header.substring(colon + 1).strip();
                }
            } else {
                line.append((char) c);
            }
        }
        if (key == null) {
            throw new IOException("not a WebSocket upgrade");
        }
        String accept;
        try {
            accept = Base64.getEncoder()
                    .encodeToString(MessageDigest.getInstance("SHA-1")
                            .digest((key + WS_GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** One device connection: the hub's side of the claim and normal conversations. */
    private final class Session {
        private final X509Certificate peer;
        private final OutputStream out;
        private LinkMessage.Mode mode;
        private String ticket;
        private SetupProof.HubSide proof;

        Session(X509Certificate peer, OutputStream out) {
            this.peer = peer;
            this.out = out;
        }

        void text(String text) throws IOException {
            FromDevice message;
            try {
                message = LinkCodec.decodeFromDevice(text);
            } catch (Exception e) {
                return;
            }
            received.add(message);
            String cn = Certificates.commonName(peer).orElseThrow();
            switch (message) {
                case Hello hello -> {
                    mode = hello.mode();
                    boolean claim = mode == LinkMessage.Mode.CLAIM;
                    // Device certificates may only claim; operational ones may only connect normally.
                    CertificateKind expected = claim ? CertificateKind.DEVICE : CertificateKind.OPERATIONAL;
                    if (Certificates.kind(peer) != expected) {
                        throw new IOException("wrong certificate for the mode");
                    }
                    if (!claim) {
                        normalPeers.add(peer);
                        normalSessions.add(this);
                    }
                    send(new Welcome(1, claim ? null : cn, 30));
                }
                case ClaimRequest request -> {
                    String typed = tickets.remove(request.ticket()); // single use
                    if (typed == null) {
                        send(new ClaimRefused(ClaimRefusal.TICKET_INVALID));
                        return;
                    }
                    ticket = request.ticket();
                    proof = new SetupProof.HubSide(cn, typed, ticket.getBytes(StandardCharsets.UTF_8), random);
                    SetupProof.Challenge challenge =
                            proof.respond(request.saltBytes(), request.devicePublicValueBytes());
                    send(ClaimChallenge.of(challenge.hubPublicValue(), challenge.hubEvidence()));
                }
                case ClaimConfirm confirm -> {
                    if (proof == null || !proof.verifyDevice(confirm.deviceEvidenceBytes())) {
                        send(new ClaimRefused(ClaimRefusal.WRONG_CODE));
                        return;
                    }
                    String deviceId = RandomIds.newId(random);
                    X509Certificate operational =
                            hubCa.issueOperationalCertificate(peer.getPublicKey(), deviceId, operationalValidity);
                    claimedDevices.put(deviceId, cn);
                    send(new ClaimAccepted(
                            deviceId, Pem.certificate(operational), Pem.certificate(hubCa.certificate())));
                }
                case DeviceEvent event -> {
                    events.add(event);
                    if (ackEvents) {
                        send(new EventAck(event.eventId()));
                    }
                }
                case Heartbeat beat -> {
                    if (answerHeartbeats) {
                        send(new HeartbeatAck(beat.sequence()));
                    }
                }
                case RenewCertificate renew -> {
                    Function<X509Certificate, String> answer = renewals;
                    if (answer != null) {
                        send(new CertificateRenewed(answer.apply(peer)));
                    }
                }
                default -> {}
            }
        }

        void send(LinkMessage message) throws IOException {
            frame(0x1, LinkCodec.encode(message).getBytes(StandardCharsets.UTF_8));
        }

        synchronized void frame(int opcode, byte[] payload) throws IOException {
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write(0x80 | opcode);
            if (payload.length < 126) {
                frame.write(payload.length);
            } else {
                frame.write(126);
                frame.write(payload.length >> 8);
                frame.write(payload.length & 0xFF);
            }
            frame.write(payload);
            out.write(frame.toByteArray());
            out.flush();
        }
    }
}
