package dev.doorward.hub.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.P256Points;
import dev.doorward.crypto.pki.Pem;
import dev.doorward.crypto.tls.TlsContexts;
import dev.doorward.crypto.webpush.PushEncryption;
import dev.doorward.crypto.webpush.Vapid;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * A push service on loopback for tests, speaking RFC 8030 over real TLS: {@code POST /wpush/<channel>} with an
 * {@code aes128gcm} body and a VAPID {@code Authorization} (checked as a real push service checks it: signature,
 * audience, expiry, and the key the channel was subscribed with), answering 201 — or what a test scripts (410,
 * 429 with Retry-After, a redirect …). It records every request it got, headers and body, so tests can check
 * what a push service sees. Its certificate is for {@code localhost}, issued by a CA made here; the hub trusts
 * it through {@link #hubProperties()} ({@code doorward.push.extra-trust-anchor}, and {@code localhost} in
 * {@code doorward.push.allowed-hosts}, the only way the hub's SSRF guard lets it reach loopback).
 *
 * <p>{@link #subscribe} plays a browser's side of subscribing (its p256dh key pair and auth secret), so a test
 * can open what the hub sent. Firefox's own side (Mozilla's WebSocket protocol) is in {@link MozillaPushSocket}.
 */
public final class PushServiceStandIn implements AutoCloseable {
    private final HttpsServer server;
    /** A thread per request, as a push service serves many senders at once (the bench sends hundreds a second). */
    private final ExecutorService executor;

    private final Path trustAnchor;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, Channel> channels = new ConcurrentHashMap<>();
    /**
     * Tokens whose signature checked out, by header: a sender reuses one token for hours, and a push service need
     * not verify the same signature twice (the bench's thousand pushes a second cost this stand-in most of a core
     * when it did). Expiry, audience and key are still checked on every request.
     */
    private final Map<String, Vapid.Token> verifiedTokens = new ConcurrentHashMap<>();

    private final Map<String, Deque<Answer>> scripted = new ConcurrentHashMap<>();
    private final List<java.util.function.Consumer<Received>> listeners = new CopyOnWriteArrayList<>();
    private MozillaPushSocket mozilla;

    /**
     * What the stand-in got: the channel, the request's headers (names lower case) and body, its answer, and when
     * the request arrived ({@code nanoTime}: {@link System#nanoTime()} as its handling began, for the bench), and
     * the connection it came on.
     */
    public record Received(
            String channelId,
            String method,
            Map<String, String> headers,
            byte[] body,
            int answer,
            Instant at,
            long nanoTime,
            String connection) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** Everything the push service saw, as text: headers and body (base64 and raw bytes as Latin-1). */
        public String everythingSeen() {
            return headers + "\n" + new String(body, StandardCharsets.ISO_8859_1) + "\n"
                    + Base64.getEncoder().encodeToString(body) + "\n"
                    + Base64.getUrlEncoder().encodeToString(body);
        }
    }

    /** A scripted answer for the next request to a channel. */
    public record Answer(int status, Map<String, String> headers) {}

    /** A subscribed channel; {@code applicationServerKey} (base64url point) may be null for "any key". */
    record Channel(String id, String applicationServerKey) {}

    /** A browser's subscription made by {@link #subscribe}: what it sends the hub, and its keys to open pushes. */
    public record Subscription(String channelId, String endpoint, KeyPair keys, byte[] auth) {
        public String p256dh() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(P256Points.encode(keys.getPublic()));
        }

        public String authSecret() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(auth);
        }

        /** The body of {@code PUT /api/push/subscriptions/{clientId}}, as {@code PushSubscription.toJSON()}. */
        public Map<String, Object> json() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("endpoint", endpoint);
            json.put("expirationTime", null);
            json.put("keys", Map.of("p256dh", p256dh(), "auth", authSecret()));
            return json;
        }

        /** What the browser's service worker would read. */
        public String open(Received push) {
            return new String(PushEncryption.decrypt(push.body(), keys, auth), StandardCharsets.UTF_8);
        }
    }

    private PushServiceStandIn(Path dir, ExecutorService executor) throws IOException {
        this.executor = executor;
        CertificateAuthority ca = CertificateAuthority.create(
                CertificateKind.HUB_CA,
                "Push service stand-in CA",
                Duration.ofDays(2),
                Clock.systemUTC(),
                new SecureRandom());
        Credential credential = ca.issueServerCredential(List.of("localhost"), Duration.ofDays(1));
        Files.createDirectories(dir);
        trustAnchor = dir.resolve("push-service-ca.pem");
        Files.writeString(trustAnchor, Pem.certificate(ca.certificate()), StandardCharsets.US_ASCII);
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setHttpsConfigurator(new HttpsConfigurator(TlsContexts.server(credential, List.of())));
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public static PushServiceStandIn start(Path dir) {
        return start(dir, Executors.newVirtualThreadPerTaskExecutor());
    }

    /** With the threads that handle requests (TLS, HTTP, VAPID) from {@code executor}: the bench's run below the hub. */
    public static PushServiceStandIn start(Path dir, ExecutorService executor) {
        try {
            return new PushServiceStandIn(dir, executor);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The origin the hub's VAPID tokens must name. */
    public String origin() {
        return "https://localhost:" + port();
    }

    /** The PEM file of the stand-in's CA. */
    public Path trustAnchorFile() {
        return trustAnchor;
    }

    /** What a hub needs to reach this stand-in. */
    public Map<String, String> hubProperties() {
        return Map.of(
                "doorward.push.allowed-hosts", "localhost", "doorward.push.extra-trust-anchor", trustAnchor.toString());
    }

    /** A new channel, as a push service makes one when a browser subscribes; any application server key. */
    public Subscription subscribe() {
        String id = newChannel(null);
        byte[] auth = new byte[16];
        new SecureRandom().nextBytes(auth);
        return new Subscription(id, endpointOf(id), KeyPairs.newP256(new SecureRandom()), auth);
    }

    private String newChannel(String applicationServerKey) {
        String id = RandomIds.newId();
        addChannel(id, applicationServerKey);
        return id;
    }

    /** A channel a browser registered, bound to its application server key (base64url point), or to any key. */
    void addChannel(String id, String applicationServerKey) {
        channels.put(id, new Channel(id, applicationServerKey));
    }

    /** Starts the browser-facing side (Mozilla's WebSocket push protocol) for Firefox; closed with this. */
    public synchronized MozillaPushSocket mozillaSocket() {
        if (mozilla == null) {
            try {
                mozilla = new MozillaPushSocket(this);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return mozilla;
    }

    public String endpointOf(String channelId) {
        return origin() + "/wpush/" + channelId;
    }

    /**
     * The next request to the channel is held without an answer (as a push service that hangs) until the returned
     * latch is released or 30 s pass; {@code arrived} counts down when it comes.
     */
    public java.util.concurrent.CountDownLatch holdNext(String channelId, java.util.concurrent.CountDownLatch arrived) {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        held.put(channelId, new Hold(arrived, release));
        return release;
    }

    private record Hold(java.util.concurrent.CountDownLatch arrived, java.util.concurrent.CountDownLatch release) {}

    private final Map<String, Hold> held = new ConcurrentHashMap<>();

    /** The next request to the channel gets this answer instead of 201. */
    public void answerNext(String channelId, int status, Map<String, String> headers) {
        scripted.computeIfAbsent(channelId, k -> new ArrayDeque<>()).add(new Answer(status, headers));
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public List<Received> receivedOn(String channelId) {
        return received.stream().filter(r -> r.channelId().equals(channelId)).toList();
    }

    /** Waits for a request matching {@code matching}; empty after {@code timeout}. */
    public Optional<Received> await(Predicate<Received> matching, Duration timeout) {
        Instant end = Instant.now().plus(timeout);
        do {
            for (Received r : received) {
                if (matching.test(r)) {
                    return Optional.of(r);
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        } while (Instant.now().isBefore(end));
        return Optional.empty();
    }

    /** Waits until the channel has received {@code count} requests; returns them (fewer after the timeout). */
    public List<Received> awaitOn(String channelId, int count, Duration timeout) {
        Instant end = Instant.now().plus(timeout);
        while (receivedOn(channelId).size() < count && Instant.now().isBefore(end)) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return receivedOn(channelId);
    }

    void onReceived(java.util.function.Consumer<Received> listener) {
        listeners.add(listener);
    }

    private void handle(HttpExchange exchange) throws IOException {
        long arrived = System.nanoTime();
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders()
                    .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readNBytes(64 * 1024);
            }
            String channelId = path.startsWith("/wpush/") ? path.substring("/wpush/".length()) : "";
            Hold hold = held.remove(channelId);
            if (hold != null) {
                hold.arrived().countDown();
                try {
                    hold.release().await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Channel channel = channels.get(channelId);
            Answer answer;
            Deque<Answer> script = scripted.get(channelId);
            Answer next = script == null ? null : script.poll();
            if (!exchange.getRequestMethod().equals("POST") || channel == null) {
                answer = new Answer(404, Map.of());
            } else if (!authorized(headers.get("authorization"), channel)) {
                answer = new Answer(401, Map.of());
            } else if (next != null) {
                answer = next;
            } else {
                answer = new Answer(201, Map.of("Location", path));
            }
            Received r = new Received(
                    channelId,
                    exchange.getRequestMethod(),
                    Map.copyOf(headers),
                    body,
                    answer.status(),
                    Instant.now(),
                    arrived,
                    // The sender's address and port: one per TLS connection it opened.
                    String.valueOf(exchange.getRemoteAddress()));
            received.add(r);
            answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.sendResponseHeaders(answer.status(), -1);
            if (answer.status() == 201) {
                listeners.forEach(l -> l.accept(r));
            }
        }
    }

    /** As a real push service: a valid VAPID token for this origin, not expired, not more than 24 h ahead. */
    private boolean authorized(String authorization, Channel channel) {
        Vapid.Token cached = authorization == null ? null : verifiedTokens.get(authorization);
        Optional<Vapid.Token> token = cached != null ? Optional.of(cached) : Vapid.verify(authorization);
        if (token.isEmpty()) {
            return false;
        }
        if (cached == null && verifiedTokens.size() < 1_000) {
            verifiedTokens.put(authorization, token.get());
        }
        Instant now = Instant.now();
        Vapid.Token t = token.get();
        boolean inTime = t.expiresAt().isAfter(now)
                && !t.expiresAt().isAfter(now.plus(Vapid.MAX_LIFETIME).plusSeconds(60));
        boolean keyMatches = channel.applicationServerKey() == null
                || channel.applicationServerKey().replace("=", "").equals(t.publicKey());
        return inTime && keyMatches && t.audience().equals(origin());
    }

    @Override
    public void close() {
        if (mozilla != null) {
            mozilla.close();
        }
        server.stop(0);
        executor.shutdownNow();
    }
}
