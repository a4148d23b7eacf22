package dev.doorward.device.hardware.onvif;

import dev.doorward.device.hardware.camera.RtspCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.w3c.dom.Document;

/**
 * SOAP over HTTP to one doorbell, with the JDK's HTTP client: bounded answers, timeouts, a WS-Security header
 * on every authenticated request, and every address the doorbell reports pinned to the configured host (the
 * credentials' digest only ever goes where the owner pointed the box).
 */
final class OnvifClient {
    /** Far above any real answer (a PullMessages with 32 notifications is a few tens of KiB). */
    static final int MAX_ANSWER_BYTES = 256 * 1024;

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final URI configured;
    private volatile Optional<RtspCredentials> credentials;
    private final Clock clock;
    private final SecureRandom random;
    private final HttpClient http;
    /** The doorbell's clock minus ours: a UsernameToken's time must be the doorbell's. */
    private volatile Duration deviceOffset = Duration.ZERO;
    /** The doorbell's last HTTP digest challenge; null while it has asked for none. */
    private volatile HttpDigest digest;

    OnvifClient(URI configured, Optional<RtspCredentials> credentials, Clock clock, SecureRandom random) {
        this.configured = configured;
        this.credentials = credentials;
        this.clock = clock;
        this.random = random;
        this.http = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                // HTTP/1.1 only: the default's h2c upgrade header confuses the small web servers in doorbells.
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    void credentials(Optional<RtspCredentials> credentials) {
        this.credentials = credentials;
    }

    void deviceOffset(Duration offset) {
        this.deviceOffset = offset;
    }

    Duration deviceOffset() {
        return deviceOffset;
    }

    /**
     * The address the doorbell reported, on the configured scheme and host: a doorbell behind NAT or with two
     * interfaces reports an address the box cannot reach, and a doorbell must not send the box's credentials
     * elsewhere.
     */
    URI pinned(String reported) {
        URI r;
        try {
            r = new URI(reported.strip());
        } catch (URISyntaxException e) {
            throw new OnvifException("the doorbell reported an invalid address");
        }
        if (r.getScheme() == null
                || !(r.getScheme().equalsIgnoreCase("http") || r.getScheme().equalsIgnoreCase("https"))) {
            throw new OnvifException("the doorbell reported a service address that is not http(s)");
        }
        int port = r.getScheme().equalsIgnoreCase(configured.getScheme()) ? r.getPort() : configured.getPort();
        try {
            return new URI(
                    configured.getScheme(),
                    null,
                    configured.getHost(),
                    port,
                    r.getPath() == null || r.getPath().isEmpty() ? "/" : r.getPath(),
                    r.getQuery(),
                    null);
        } catch (URISyntaxException e) {
            throw new OnvifException("the doorbell reported an unusable address");
        }
    }

    /**
     * One SOAP request.
     *
     * @param timeout how long the whole answer may take (PullMessages: its own timeout plus a margin)
     * @throws OnvifException saying what went wrong, without the credentials
     */
    Document call(URI address, String action, String header, String body, boolean authenticate, Duration timeout) {
        Optional<RtspCredentials> c = authenticate ? credentials : Optional.empty();
        String operation = action.substring(action.lastIndexOf('/') + 1).replaceFirst("Request$", "");
        HttpResponse<InputStream> response;
        byte[] answer;
        try {
            HttpDigest known = digest;
            response = http.send(request(address, action, header, body, c, known, timeout), BODY);
            answer = bounded(response, operation);
            if (response.statusCode() == 401 && c.isPresent()) {
                // HTTP digest: a doorbell that wants it says so in its 401. Its challenge is answered once per
                // request and kept for the next ones; a second 401 is a wrong password.
                Optional<HttpDigest> challenge =
                        HttpDigest.challenge(response.headers().allValues("WWW-Authenticate"));
                if (challenge.isPresent()) {
                    digest = challenge.get();
                    response = http.send(request(address, action, header, body, c, digest, timeout), BODY);
                    answer = bounded(response, operation);
                }
            }
        } catch (HttpTimeoutException e) {
            throw new OnvifException(
                    operation + ": no answer within " + timeout.toMillis() + " ms", OnvifException.Kind.UNREACHABLE);
        } catch (ConnectException e) {
            throw new OnvifException(
                    operation + ": cannot connect to the doorbell ("
                            + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                            + ")",
                    OnvifException.Kind.UNREACHABLE);
        } catch (IOException e) {
            throw new OnvifException(operation + ": " + Soap.oneLine(e.toString()), OnvifException.Kind.UNREACHABLE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OnvifException(operation + ": interrupted", OnvifException.Kind.UNREACHABLE);
        }
        int status = response.statusCode();
        Document document = null;
        OnvifException unreadable = null;
        if (answer.length > 0) {
            try {
                document = Soap.parse(answer);
            } catch (OnvifException e) {
                unreadable = e;
            }
        }
        Optional<String> fault = document == null ? Optional.empty() : Soap.fault(document);
        boolean notAuthorized = status == 401
                || status == 403
                || fault.map(f -> f.toLowerCase(Locale.ROOT).contains("notauthorized"))
                        .orElse(false);
        if (notAuthorized) {
            throw new OnvifException(
                    operation + ": the doorbell refused the ONVIF user name or password (HTTP " + status
                            + fault.map(f -> ", " + f).orElse(", NotAuthorized")
                            + "; check onvif.credentials, and that the doorbell's clock is set)",
                    OnvifException.Kind.NOT_AUTHORIZED);
        }
        if (fault.isPresent()) {
            throw new OnvifException(
                    operation + ": the doorbell answered with a fault (HTTP " + status + ", " + fault.get() + ")",
                    OnvifException.Kind.FAULT);
        }
        if (status != 200) {
            throw new OnvifException(operation + ": the doorbell answered HTTP " + status, OnvifException.Kind.FAULT);
        }
        if (unreadable != null) {
            throw new OnvifException(operation + ": " + unreadable.getMessage());
        }
        if (document == null) {
            throw new OnvifException(operation + ": the doorbell answered nothing");
        }
        return document;
    }

    /** Drops the HTTP client's connections and its selector thread. */
    void close() {
        http.shutdownNow();
    }

    private static final HttpResponse.BodyHandler<InputStream> BODY = HttpResponse.BodyHandlers.ofInputStream();

    private HttpRequest request(
            URI address,
            String action,
            String header,
            String body,
            Optional<RtspCredentials> c,
            HttpDigest httpDigest,
            Duration timeout) {
        String security = c.map(x -> UsernameToken.header(x.user(), x.password(), nonce(), now()))
                .orElse("");
        byte[] request = Soap.envelope(security + header, body).getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder builder = HttpRequest.newBuilder(address)
                .timeout(timeout)
                .header("Content-Type", "application/soap+xml; charset=utf-8; action=\"" + action + "\"")
                .POST(HttpRequest.BodyPublishers.ofByteArray(request));
        if (httpDigest != null && c.isPresent()) {
            String uri = address.getRawPath() + (address.getRawQuery() == null ? "" : "?" + address.getRawQuery());
            builder.header(
                    "Authorization",
                    httpDigest.authorization(c.get().user(), c.get().password(), "POST", uri, nonce()));
        }
        return builder.build();
    }

    /** The answer, read no further than the bound (closing the stream drops the rest with the connection). */
    private static byte[] bounded(HttpResponse<InputStream> response, String operation) throws IOException {
        try (InputStream in = response.body()) {
            long declared =
                    response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (declared > MAX_ANSWER_BYTES) {
                throw tooLarge(operation, declared + " bytes");
            }
            byte[] answer = in.readNBytes(MAX_ANSWER_BYTES + 1);
            if (answer.length > MAX_ANSWER_BYTES) {
                throw tooLarge(operation, "more than " + MAX_ANSWER_BYTES + " bytes");
            }
            return answer;
        }
    }

    private static OnvifException tooLarge(String operation, String size) {
        return new OnvifException(operation + ": the answer is too large (" + size + "; at most " + MAX_ANSWER_BYTES
                + " bytes are read)");
    }

    private byte[] nonce() {
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        return nonce;
    }

    private Instant now() {
        return clock.instant().plus(deviceOffset);
    }
}
