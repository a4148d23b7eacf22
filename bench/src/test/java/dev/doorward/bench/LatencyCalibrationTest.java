package dev.doorward.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.tls.TlsContexts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * Can the load generator's latency numbers be trusted? A stand-in hub (real TLS, real WebSocket framing)
 * forwards each ring to the member sessions after a known, injected delay; the measured press → ring
 * latency must grow by exactly that delay, and never be below it.
 */
class LatencyCalibrationTest {
    private static final long INJECTED_MS = 5;

    @Test
    void measuredLatencyMatchesAnInjectedDelay() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create(
                CertificateKind.HUB_CA, "Calibration CA", Duration.ofDays(1), Clock.systemUTC(), new SecureRandom());
        Credential server = ca.issueServerCredential(List.of("localhost", "127.0.0.1"), Duration.ofDays(1));
        Fleet fleet = Fleet.mint(ca, 4);

        Stats direct = measure(ca, server, fleet, 0);
        Stats delayed = measure(ca, server, fleet, INJECTED_MS);

        assertThat(direct.count()).isEqualTo(200 * 2);
        assertThat(delayed.count()).isEqualTo(200 * 2);
        // Every sample includes the injected delay: nothing is measured shorter than it.
        assertThat(delayed.p50Ms()).isGreaterThanOrEqualTo(INJECTED_MS);
        // The difference is the delay, give or take scheduler jitter on a busy 2-core machine.
        assertThat(delayed.p50Ms() - direct.p50Ms()).isBetween(INJECTED_MS - 0.5, INJECTED_MS + 2.0);
    }

    private static Stats measure(CertificateAuthority ca, Credential server, Fleet fleet, long delayMs)
            throws Exception {
        try (FakeHub hub = new FakeHub(server, ca, delayMs)) {
            LoadGen.Config config = new LoadGen.Config(
                    LoadGen.Target.DOORWARD,
                    "127.0.0.1",
                    hub.devicePort(),
                    hub.memberPort(),
                    "session=calibration",
                    List.of(),
                    2,
                    30);
            try (LoadGen gen = new LoadGen(config, fleet, 4, 2)) {
                LoadGen.ConnectResult connected = gen.connectDevices(4, 4, 10_000);
                assertThat(connected.connected()).isEqualTo(4);
                assertThat(gen.openMembers(10_000)).isEqualTo(2);
                gen.ring(20, 100, 5_000); // warm-up
                LoadGen.RingResult ring = gen.ring(200, 200, 10_000);
                assertThat(ring.received()).isEqualTo(ring.expected());
                return ring.latency();
            }
        }
    }

    /** Just enough of a hub: device port with client certificates, member port, rings forwarded after a delay. */
    static final class FakeHub implements AutoCloseable {
        private final SSLServerSocket devices;
        private final SSLServerSocket members;
        private final ScheduledExecutorService delayer = Executors.newSingleThreadScheduledExecutor();
        private final Set<OutputStream> memberStreams = ConcurrentHashMap.newKeySet();
        private final long delayMs;

        FakeHub(Credential server, CertificateAuthority ca, long delayMs) throws IOException {
            this.delayMs = delayMs;
            InetAddress loopback = InetAddress.getLoopbackAddress();
            devices = (SSLServerSocket) TlsContexts.server(server, List.of(ca.certificate()))
                    .getServerSocketFactory()
                    .createServerSocket(0, 50, loopback);
            devices.setNeedClientAuth(true);
            members = (SSLServerSocket) TlsContexts.server(server, List.of())
                    .getServerSocketFactory()
                    .createServerSocket(0, 50, loopback);
            accept(devices, true);
            accept(members, false);
        }

        int devicePort() {
            return devices.getLocalPort();
        }

        int memberPort() {
            return members.getLocalPort();
        }

        private void accept(SSLServerSocket server, boolean device) {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        SSLSocket socket = (SSLSocket) server.accept();
                        socket.setTcpNoDelay(true);
                        Thread.ofVirtual().start(() -> serve(socket, device));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private void serve(SSLSocket socket, boolean device) {
            try (socket) {
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                String request = readHead(in);
                String key = request.lines()
                        .filter(l -> l.toLowerCase().startsWith("sec-websocket-key:"))
                        .map(l -> l.substring(l.indexOf(':') + 1).strip())
                        .findFirst()
                        .orElseThrow();
                String accept = Base64.getEncoder()
                        .encodeToString(MessageDigest.getInstance("SHA-1")
                                .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                                        .getBytes(StandardCharsets.US_ASCII)));
                out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (!device) {
                    send(out, "{\"type\":\"hello\"}");
                    memberStreams.add(out);
                }
                while (true) {
                    String text = readFrame(in);
                    if (text == null) {
                        return;
                    }
                    if (device && text.contains("\"type\":\"hello\"")) {
                        send(out, "{\"v\":1,\"type\":\"welcome\",\"body\":{\"version\":1,\"heartbeatSeconds\":30}}");
                    } else if (device && text.contains("\"type\":\"event\"")) {
                        String eventId = LoadGen.eventIdIn(text);
                        String ring = "{\"type\":\"ring\",\"deviceId\":\"x\",\"eventId\":\"" + eventId + "\"}";
                        Runnable fanOut = () -> memberStreams.forEach(m -> send(m, ring));
                        if (delayMs == 0) {
                            fanOut.run();
                        } else {
                            delayer.schedule(fanOut, delayMs, TimeUnit.MILLISECONDS);
                        }
                    }
                }
            } catch (Exception e) {
                // connection over
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int state = 0;
            while (state < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("eof");
                }
                head.write(b);
                state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
                        ? state + 1
                        : 0;
            }
            return head.toString(StandardCharsets.ISO_8859_1);
        }

        /** One masked client frame; null at close or end of stream. */
        private static String readFrame(InputStream in) throws IOException {
            int b0 = in.read();
            int b1 = in.read();
            if (b0 < 0 || b1 < 0 || (b0 & 0x0f) == 0x8) {
                return null;
            }
            long length = b1 & 0x7f;
            if (length == 126) {
                length = (in.read() << 8) | in.read();
            } else if (length == 127) {
                throw new IOException("too long");
            }
            byte[] mask = in.readNBytes(4);
            byte[] payload = in.readNBytes((int) length);
            if ((b1 & 0x80) == 0) {
                throw new IOException("client frames must be masked");
            }
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i & 3];
            }
            return new String(payload, StandardCharsets.UTF_8);
        }

        private static void send(OutputStream out, String text) {
            byte[] payload = text.getBytes(StandardCharsets.UTF_8);
            synchronized (out) {
                try {
                    out.write(0x81);
                    if (payload.length < 126) {
                        out.write(payload.length);
                    } else {
                        out.write(126);
                        out.write(payload.length >> 8);
                        out.write(payload.length & 0xff);
                    }
                    out.write(payload);
                    out.flush();
                } catch (IOException e) {
                    // member gone
                }
            }
        }

        @Override
        public void close() throws IOException {
            devices.close();
            members.close();
            delayer.shutdownNow();
        }
    }
}
