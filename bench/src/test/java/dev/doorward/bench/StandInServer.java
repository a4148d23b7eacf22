package dev.doorward.bench;

import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.tls.TlsContexts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * The server side of the calibration tests' stand-ins: a TLS listener on loopback (real TLS from
 * {@link TlsContexts}, client certificates required when CAs are given) whose connections each get a virtual
 * thread and just enough RFC 6455 to talk to the load generators: the upgrade, masked client frames in, unmasked
 * frames out.
 */
final class StandInServer implements AutoCloseable {
    /** What a stand-in does with one connection, from its request head on; returns when the connection is over. */
    interface Handler {
        void serve(Connection connection) throws Exception;
    }

    /** One client frame: its opcode and unmasked payload. */
    record Frame(int opcode, byte[] payload) {
        boolean isText() {
            return opcode == 0x1;
        }

        boolean isBinary() {
            return opcode == 0x2;
        }

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private final SSLServerSocket listener;
    private final Handler handler;
    private final Set<SSLSocket> open = ConcurrentHashMap.newKeySet();

    /** @param clientCas empty: no client certificate asked; otherwise one from these CAs is required */
    StandInServer(Credential server, List<X509Certificate> clientCas, Handler handler) throws IOException {
        this.handler = handler;
        listener = (SSLServerSocket) TlsContexts.server(server, clientCas)
                .getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        listener.setNeedClientAuth(!clientCas.isEmpty());
        Thread.ofVirtual().start(this::accept);
    }

    int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                SSLSocket socket = (SSLSocket) listener.accept();
                socket.setTcpNoDelay(true);
                open.add(socket);
                Thread.ofVirtual().start(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SSLSocket socket) {
        try (socket) {
            handler.serve(new Connection(socket));
        } catch (Exception e) {
            // connection over
        } finally {
            open.remove(socket);
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (SSLSocket socket : open) {
            socket.close();
        }
    }

    /** One accepted connection, before and after its upgrade. */
    static final class Connection {
        private final SSLSocket socket;
        private final InputStream in;
        private final OutputStream out;
        private final String head;

        private Connection(SSLSocket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
            this.head = readHead(in);
        }

        /** The request target of the request line. */
        String path() {
            String[] requestLine = head.lines().findFirst().orElse("").split(" ");
            return requestLine.length > 1 ? requestLine[1] : "";
        }

        /** A request header's value, or null. */
        String header(String name) {
            String prefix = name.toLowerCase() + ":";
            return head.lines()
                    .filter(l -> l.toLowerCase().startsWith(prefix))
                    .map(l -> l.substring(prefix.length()).strip())
                    .findFirst()
                    .orElse(null);
        }

        /** The client certificate's leaf (only on a listener that asks for one). */
        X509Certificate peer() throws SSLPeerUnverifiedException {
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }

        void upgrade() throws IOException {
            String key = header("Sec-WebSocket-Key");
            if (key == null) {
                throw new IOException("not a WebSocket upgrade");
            }
            writeRaw(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Accept: " + accept(key) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }

        /** Answers the request with {@code status} (e.g. "403 Forbidden") instead of upgrading. */
        void refuse(String status) throws IOException {
            writeRaw(("HTTP/1.1 " + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }

        /** The next client frame (which must be masked); null at a close frame or the end of the stream. */
        Frame read() throws IOException {
            int b0 = in.read();
            int b1 = in.read();
            if (b0 < 0 || b1 < 0 || (b0 & 0x0f) == 0x8) {
                return null;
            }
            long length = b1 & 0x7f;
            if (length == 126) {
                length = (in.read() << 8) | in.read();
            } else if (length == 127) {
                length = ByteBuffer.wrap(in.readNBytes(8)).getLong();
            }
            if ((b1 & 0x80) == 0) {
                throw new IOException("client frames must be masked");
            }
            if (length > 1 << 20) {
                throw new IOException("too long");
            }
            byte[] mask = in.readNBytes(4);
            byte[] payload = in.readNBytes((int) length);
            if (payload.length != length) {
                return null;
            }
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i & 3];
            }
            return new Frame(b0 & 0x0f, payload);
        }

        /** Sends one text message; a peer that is gone is ignored. Safe from any thread. */
        void sendText(String text) {
            send(0x1, text.getBytes(StandardCharsets.UTF_8));
        }

        /** Sends one binary message; a peer that is gone is ignored. Safe from any thread. */
        void sendBinary(byte[] payload) {
            send(0x2, payload);
        }

        /** One unmasked frame, header and payload in a single write (so a single TLS record where it fits). */
        private void send(int opcode, byte[] payload) {
            int n = payload.length;
            ByteBuffer frame = ByteBuffer.allocate((n < 126 ? 2 : n < 65536 ? 4 : 10) + n);
            frame.put((byte) (0x80 | opcode));
            if (n < 126) {
                frame.put((byte) n);
            } else if (n < 65536) {
                frame.put((byte) 126).putShort((short) n);
            } else {
                frame.put((byte) 127).putLong(n);
            }
            frame.put(payload);
            try {
                writeRaw(frame.array());
            } catch (IOException e) {
                // peer gone
            }
        }

        private void writeRaw(byte[] bytes) throws IOException {
            synchronized (out) {
                out.write(bytes);
                out.flush();
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

        private static String accept(String key) {
            try {
                return Base64.getEncoder()
                        .encodeToString(MessageDigest.getInstance("SHA-1")
                                .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                                        .getBytes(StandardCharsets.US_ASCII)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
