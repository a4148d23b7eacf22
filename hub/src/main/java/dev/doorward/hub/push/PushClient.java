package dev.doorward.hub.push;

import dev.doorward.crypto.pki.Pem;
import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.hub.config.HubProperties;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.springframework.stereotype.Component;

/**
 * One RFC 8030 request to a push service, as plain HTTP/1.1 over TLS on a socket to an address the SSRF guard
 * checked: no second DNS lookup, no redirect ever followed, timeouts on connect and read, and at most a few
 * KiB of the answer read. The certificate must match the endpoint's host name (SNI and hostname verification
 * use the name, the socket the checked address).
 */
@Component
class PushClient {
    private static final int MAX_HEAD_BYTES = 8 * 1024;
    private static final int MAX_BODY_BYTES = 4 * 1024;

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
    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;

    PushClient(HubProperties properties) {
        HubProperties.Push push = properties.push();
        this.tls = TlsContexts.publicWebClient(extraAnchors(push.extraTrustAnchor()));
        this.connectTimeoutMillis = (int) push.connectTimeout().toMillis();
        this.readTimeoutMillis = (int) push.readTimeout().toMillis();
    }

    private static List<X509Certificate> extraAnchors(Path file) {
        if (file == null) {
            return List.of();
        }
        try {
            return Pem.parseCertificates(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read doorward.push.extra-trust-anchor " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "doorward.push.extra-trust-anchor " + file + " holds no PEM certificate", e);
        }
    }

    Answer send(Request request) throws IOException {
        PushEndpoints.Checked endpoint = request.endpoint();
        try (Socket plain = connect(endpoint);
                SSLSocket socket = (SSLSocket)
                        tls.getSocketFactory().createSocket(plain, endpoint.host(), endpoint.port(), true)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            if (!endpoint.host().contains(":")) {
                parameters.setServerNames(List.of(new SNIHostName(endpoint.host())));
            }
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(readTimeoutMillis);
            socket.startHandshake();
            write(socket.getOutputStream(), request);
            return read(socket.getInputStream());
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

    private static void write(OutputStream raw, Request request) throws IOException {
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
                .append("\r\nConnection: close\r\n\r\n");
        OutputStream out = new BufferedOutputStream(raw, 4096);
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(request.body());
        out.flush();
    }

    /** Reads the status line and headers (bounded) and drains a bounded amount of body. */
    static Answer read(InputStream in) throws IOException {
        byte[] head = new byte[MAX_HEAD_BYTES];
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
            }
        }
        // The body says nothing we act on; a short one is read so the service sees an orderly close.
        if (contentLength > 0 && contentLength <= MAX_BODY_BYTES) {
            in.readNBytes((int) contentLength);
        }
        return new Answer(status, retryAfter);
    }

    /** Delay-seconds only; an HTTP date is rare from push services and is treated as absent. */
    static Optional<Duration> parseRetryAfter(String value) {
        if (!value.matches("\\d{1,9}")) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofSeconds(Long.parseLong(value)));
    }
}
