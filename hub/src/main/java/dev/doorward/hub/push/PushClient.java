package dev.doorward.hub.push;

import dev.doorward.crypto.tls.TlsContexts;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One RFC 8030 request (in the Web Push process, {@link PushProcess}) to a push service, as plain HTTP/1.1 over TLS on a socket to an address the SSRF guard
 * checked: no second DNS lookup, no redirect ever followed, timeouts on connect and read, and at most a few
 * KiB of the answer read. The certificate must match the endpoint's host name (SNI and hostname verification
 * use the name, the socket the checked address).
 *
 * <p>Connections are kept open and used again for the same push service (HTTP/1.1 keep-alive): a new TLS
 * connection per push limited a sender to 10–20 pushes a second (the bench's ring scenario). A kept connection
 * only ever goes to the host it was opened for, to an address that was checked then; one idle for
 * {@link #IDLE} is closed, and a request on a kept connection that the service had closed meanwhile is sent
 * once more on a new one.
 */
class PushClient {
    private static final int MAX_HEAD_BYTES = 8 * 1024;
    private static final int MAX_BODY_BYTES = 4 * 1024;
    /** A kept connection unused this long is closed rather than used (services close idle ones too). */
    static final Duration IDLE = Duration.ofSeconds(30);
    /** Kept connections per push service host. */
    private static final int KEPT_PER_HOST = 4;

    /** A push service's answer: its status and, for 429/503, how long it asked us to wait. */
    record Answer(int status, Optional<Duration> retryAfter) {}

    /** One request: the endpoint, the headers that matter, the encrypted body. */
    record Request(
            PushEndpoints.Checked endpoint,
            String authorization,
            long ttlSeconds,
            String urgency,
            String topic,
            byte[] body) {}

    private final SSLContext tls;
    /** Idle connections per "host:port", most recently used first. */
    private final Map<String, Deque<Kept>> kept = new ConcurrentHashMap<>();

    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;

    /**
     * @param extraAnchors CA certificates trusted besides the platform's (a self-hosted push service)
     */
    PushClient(List<X509Certificate> extraAnchors, Duration connectTimeout, Duration readTimeout) {
        this.tls = TlsContexts.publicWebClient(extraAnchors);
        this.connectTimeoutMillis = (int) connectTimeout.toMillis();
        this.readTimeoutMillis = (int) readTimeout.toMillis();
    }

    Answer send(Request request) throws IOException {
        PushEndpoints.Checked endpoint = request.endpoint();
        String key = endpoint.host() + ":" + endpoint.port();
        Connection reused = take(key);
        if (reused != null) {
            try {
                return exchange(key, reused, request);
            } catch (SocketTimeoutException e) {
                throw e; // the service has the request and is slow: sending it again would push twice
            } catch (IOException e) {
                // The service closed it while it was idle: once more, on a new connection.
                closeQuietly(reused.socket());
            }
        }
        return exchange(key, new Connection(open(endpoint)), request);
    }

    private Answer exchange(String key, Connection connection, Request request) throws IOException {
        boolean keep = false;
        try {
            write(connection.out(), request);
            Reply reply = readReply(connection.in(), connection.head());
            keep = reply.reusable();
            return reply.answer();
        } finally {
            if (keep) {
                give(key, connection);
            } else {
                closeQuietly(connection.socket());
            }
        }
    }

    private SSLSocket open(PushEndpoints.Checked endpoint) throws IOException {
        Socket plain = connect(endpoint);
        try {
            SSLSocket socket =
                    (SSLSocket) tls.getSocketFactory().createSocket(plain, endpoint.host(), endpoint.port(), true);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            if (!endpoint.host().contains(":")) {
                parameters.setServerNames(List.of(new SNIHostName(endpoint.host())));
            }
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(readTimeoutMillis);
            socket.startHandshake();
            return socket;
        } catch (IOException | RuntimeException e) {
            closeQuietly(plain);
            throw e;
        }
    }

    /**
     * A connection with its own buffers, kept with it: one worker uses it at a time, and at a thousand pushes a second
     * new buffers per request (and reading the answer a byte at a time from TLS) were a good part of the garbage the
     * sender made. The reader may read ahead: it stays with its connection, so nothing read is lost.
     */
    private record Connection(SSLSocket socket, InputStream in, OutputStream out, byte[] head) {
        Connection(SSLSocket socket) throws IOException {
            this(
                    socket,
                    new BufferedInputStream(socket.getInputStream(), 1024),
                    new BufferedOutputStream(socket.getOutputStream(), 2048),
                    new byte[MAX_HEAD_BYTES]);
        }
    }

    private record Kept(Connection connection, long idleSince) {}

    /** A kept connection to the host that has not been idle too long, or null. */
    private Connection take(String key) {
        Deque<Kept> idle = kept.get(key);
        if (idle == null) {
            return null;
        }
        long now = System.nanoTime();
        Kept k;
        while ((k = idle.pollFirst()) != null) {
            if (now - k.idleSince() < IDLE.toNanos() && !k.connection().socket().isClosed()) {
                return k.connection();
            }
            closeQuietly(k.connection().socket());
        }
        return null;
    }

    private void give(String key, Connection connection) {
        Deque<Kept> idle = kept.computeIfAbsent(key, k -> new ConcurrentLinkedDeque<>());
        idle.offerFirst(new Kept(connection, System.nanoTime()));
        while (idle.size() > KEPT_PER_HOST) {
            Kept oldest = idle.pollLast();
            if (oldest != null) {
                closeQuietly(oldest.connection().socket());
            }
        }
    }

    /** Closes every kept connection. */
    void close() {
        kept.values().forEach(idle -> {
            Kept k;
            while ((k = idle.pollFirst()) != null) {
                closeQuietly(k.connection().socket());
            }
        });
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already gone
        }
    }

    private Socket connect(PushEndpoints.Checked endpoint) throws IOException {
        IOException last = null;
        for (InetAddress address : endpoint.addresses()) {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(address, endpoint.port()), connectTimeoutMillis);
                return socket;
            } catch (IOException e) {
                socket.close();
                last = e;
            }
        }
        throw last != null ? last : new IOException("no address to connect to");
    }

    private static void write(OutputStream out, Request request) throws IOException {
        PushEndpoints.Checked endpoint = request.endpoint();
        String path = endpoint.uri().getRawPath();
        if (path == null || path.isEmpty()) {
            path = "/";
        }
        if (endpoint.uri().getRawQuery() != null) {
            path += "?" + endpoint.uri().getRawQuery();
        }
        String hostHeader = endpoint.uri().getHost() + (endpoint.uri().getPort() == -1 ? "" : ":" + endpoint.port());
        StringBuilder head = new StringBuilder(512)
                .append("POST ")
                .append(path)
                .append(" HTTP/1.1\r\nHost: ")
                .append(hostHeader)
                .append("\r\nTTL: ")
                .append(request.ttlSeconds())
                .append("\r\nUrgency: ")
                .append(request.urgency());
        if (request.topic() != null) {
            head.append("\r\nTopic: ").append(request.topic());
        }
        head.append("\r\nContent-Encoding: aes128gcm\r\nContent-Type: application/octet-stream\r\nContent-Length: ")
                .append(request.body().length)
                .append("\r\nAuthorization: ")
                .append(request.authorization())
                .append("\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(request.body());
        out.flush();
    }

    /** Reads the status line and headers (bounded) and drains a bounded amount of body. */
    static Answer read(InputStream in) throws IOException {
        return readReply(in, new byte[MAX_HEAD_BYTES]).answer();
    }

    /** An answer, and whether its connection may carry the next request (its whole body was read). */
    private record Reply(Answer answer, boolean reusable) {}

    private static Reply readReply(InputStream in, byte[] head) throws IOException {
        int length = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the push service closed the connection before answering");
            }
            if (length == head.length) {
                throw new IOException("the push service's answer has an over-long head");
            }
            head[length++] = (byte) b;
            if (length >= 4
                    && head[length - 4] == '\r'
                    && head[length - 3] == '\n'
                    && head[length - 2] == '\r'
                    && head[length - 1] == '\n') {
                break;
            }
        }
        String[] lines = new String(head, 0, length - 4, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
            throw new IOException("the push service did not answer in HTTP/1.1");
        }
        int status;
        try {
            status = Integer.parseInt(statusLine[1]);
        } catch (NumberFormatException e) {
            throw new IOException("the push service's status is not a number");
        }
        Optional<Duration> retryAfter = Optional.empty();
        long contentLength = -1;
        boolean closes = false;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            if (name.equals("retry-after")) {
                retryAfter = parseRetryAfter(value);
            } else if (name.equals("content-length") && value.matches("\\d{1,9}")) {
                contentLength = Long.parseLong(value);
            } else if (name.equals("connection")
                    && value.toLowerCase(Locale.ROOT).contains("close")) {
                closes = true;
            }
        }
        // The body says nothing we act on; a short one is read so the service sees an orderly close.
        boolean drained = contentLength == 0;
        if (contentLength > 0 && contentLength <= MAX_BODY_BYTES) {
            drained = in.readNBytes((int) contentLength).length == contentLength;
        }
        // Kept only when the answer's end is known and read (no chunked or over-long body left in the stream).
        return new Reply(new Answer(status, retryAfter), drained && !closes && statusLine[0].equals("HTTP/1.1"));
    }

    /** Delay-seconds only; an HTTP date is rare from push services and is treated as absent. */
    static Optional<Duration> parseRetryAfter(String value) {
        if (!value.matches("\\d{1,9}")) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofSeconds(Long.parseLong(value)));
    }
}
