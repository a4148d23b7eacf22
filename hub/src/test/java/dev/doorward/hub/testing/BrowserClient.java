package dev.doorward.hub.testing;

import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.Signatures;
import dev.doorward.crypto.tls.TlsContexts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a browser does against the hub, over real HTTPS: cookies (the {@code __Host-} session), the CSRF
 * token echoed in a header, JSON in and out, and the live stream WebSocket.
 */
public final class BrowserClient {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final URI base;
    private final CookieManager cookies;
    private final HttpClient http;

    /** A browser for a hub this JVM did not start (e.g. one in a process of its own). */
    public static BrowserClient of(URI base, X509Certificate hubCa) {
        return new BrowserClient(base, hubCa);
    }

    BrowserClient(URI base, X509Certificate hubCa) {
        this(base, hubCa, null);
    }

    /** A browser whose connections come from this local address (another loopback address is another machine). */
    BrowserClient(URI base, X509Certificate hubCa, java.net.InetAddress localAddressOrNull) {
        this.base = base;
        this.cookies = new CookieManager();
        HttpClient.Builder builder = HttpClient.newBuilder()
                .sslContext(TlsContexts.client(null, hubCa))
                .sslParameters(TlsContexts.parameters())
                .cookieHandler(cookies)
                .connectTimeout(Duration.ofSeconds(5));
        if (localAddressOrNull != null) {
            builder.localAddress(localAddressOrNull);
        }
        this.http = builder.build();
    }

    public record Response(int status, String body, HttpHeaders headers) {
        public JsonNode json() {
            return JSON.readTree(body);
        }

        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    /** A binary body (sealed media); fails unless the answer is 200. */
    public byte[] getBytes(String path) {
        try {
            HttpResponse<byte[]> response = http.send(
                    HttpRequest.newBuilder(base.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(path + " answered " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Response postJson(String path, Object body) {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    public Response putJson(String path, Object body) {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    /** A PUT with a body given as raw text (malformed or oversized on purpose). */
    public Response putRaw(String path, String body) {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    public Response delete(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).DELETE());
    }

    public Response postForm(String path, Map<String, String> form) {
        String encoded = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(encoded)));
    }

    /** Sends with the CSRF header a browser page would add; {@link #sendWithoutCsrf} shows what happens without. */
    private Response send(HttpRequest.Builder request) {
        ensureCsrfCookie();
        csrfToken().ifPresent(token -> request.header("X-XSRF-TOKEN", token));
        return sendRaw(request.build());
    }

    public Response sendWithoutCsrf(HttpRequest request) {
        return sendRaw(request);
    }

    public Response sendRaw(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body(), response.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void ensureCsrfCookie() {
        if (csrfToken().isEmpty()) {
            sendRaw(HttpRequest.newBuilder(base.resolve("/api/session")).GET().build());
        }
    }

    public Optional<String> csrfToken() {
        return cookies.getCookieStore().getCookies().stream()
                .filter(c -> c.getName().equals("__Host-XSRF-TOKEN"))
                .map(HttpCookie::getValue)
                .findFirst();
    }

    public Optional<HttpCookie> cookie(String name) {
        return cookies.getCookieStore().getCookies().stream()
                .filter(c -> c.getName().equals(name))
                .findFirst();
    }

    public URI base() {
        return base;
    }

    // ---- the flows a person goes through

    public Response setup(String token, String username, String password) {
        return postJson(
                "/api/setup",
                Map.of("token", token, "username", username, "password", password, "householdName", "Home"));
    }

    public Response signUp(String username, String password) {
        return postJson("/api/accounts", Map.of("username", username, "password", password, "householdName", "Home"));
    }

    public Response login(String username, String password) {
        return postForm("/api/login", Map.of("username", username, "password", password));
    }

    /** The signed-in account's id. */
    public String accountId() {
        return get("/api/session").json().get("accountId").stringValue();
    }

    /** The first household of the signed-in account. */
    public String householdId() {
        return get("/api/session").json().get("households").get(0).get("id").stringValue();
    }

    /** Starts adding a doorbell from this browser (its key is what the doorbell pins). */
    public Response startClaim(String householdId, String setupCode) {
        String ownerKey = clientFingerprint != null ? clientFingerprint : "-";
        if (clientFingerprint == null
                && get("/api/session").json().path("signedIn").asBoolean()) {
            ownerKey = registerClient();
        }
        return postJson(
                "/api/claims",
                Map.of(
                        "householdId",
                        householdId,
                        "setupCode",
                        setupCode,
                        "name",
                        "Front door",
                        "ownerKeyFingerprint",
                        ownerKey));
    }

    private String clientFingerprint;
    private KeyPair clientSigningKey;
    private KeyPair clientAgreementKey;
    private String clientId;

    /** What the web app does after sign-in: make this browser's keys and register their public halves. */
    public String registerClient() {
        clientSigningKey = KeyPairs.newP256(new SecureRandom());
        KeyPair agreement = KeyPairs.newP256(new SecureRandom());
        clientAgreementKey = agreement;
        Response response = postJson(
                "/api/clients",
                Map.of(
                        "signingKey",
                                Base64.getEncoder()
                                        .encodeToString(
                                                clientSigningKey.getPublic().getEncoded()),
                        "agreementKey",
                                Base64.getEncoder()
                                        .encodeToString(agreement.getPublic().getEncoded()),
                        "label", "test browser"));
        if (response.status() != 201 && response.status() != 200) {
            throw new IllegalStateException("client registration failed: " + response.status() + " " + response.body());
        }
        clientFingerprint = response.json().get("signingKeyFingerprint").stringValue();
        clientId = response.json().get("id").stringValue();
        return clientFingerprint;
    }

    /** The same browser (same keys) pointed at the hub's new address, signed out like after a restart. */
    public BrowserClient movedTo(TestHub hub) {
        BrowserClient moved = new BrowserClient(hub.browserUrl(), hub.hubCaCertificate());
        moved.clientSigningKey = clientSigningKey;
        moved.clientAgreementKey = clientAgreementKey;
        moved.clientId = clientId;
        moved.clientFingerprint = clientFingerprint;
        return moved;
    }

    /**
     * The same browser — same keys, same cookies, so the same session — reaching another node of the hub, as a load
     * balancer in front of a cluster sends it to one node or another.
     */
    public BrowserClient atNode(TestHub node) {
        BrowserClient moved = new BrowserClient(node.browserUrl(), cookies, http);
        moved.clientSigningKey = clientSigningKey;
        moved.clientAgreementKey = clientAgreementKey;
        moved.clientId = clientId;
        moved.clientFingerprint = clientFingerprint;
        return moved;
    }

    private BrowserClient(URI base, CookieManager cookies, HttpClient http) {
        this.base = base;
        this.cookies = cookies;
        this.http = http;
    }

    /** The same browser (same keys, signed out) connecting from another loopback address. */
    public BrowserClient from(TestHub hub, String loopbackAddress) {
        BrowserClient moved = hub.browserFrom(loopbackAddress);
        moved.clientSigningKey = clientSigningKey;
        moved.clientAgreementKey = clientAgreementKey;
        moved.clientId = clientId;
        moved.clientFingerprint = clientFingerprint;
        return moved;
    }

    /** Signs in as the web app does from a browser holding a key: with its proof over the sign-in statement. */
    public Response loginWithProof(String username, String password) {
        ensureCsrfCookie();
        String statement = dev.doorward.hub.account.ApprovedBrowsers.statement(
                username, csrfToken().orElseThrow());
        return postForm(
                "/api/login",
                Map.of(
                        "username",
                        username,
                        "password",
                        password,
                        "browserKey",
                        clientPublicKey(),
                        "browserProof",
                        signWithClientKey(statement)));
    }

    /** Signs as this browser's key does in WebCrypto (P-256, SHA-256, r‖s); base64url. */
    public String signWithClientKey(String statement) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(Signatures.sign(
                        clientSigningKey.getPrivate(), statement.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** This browser's public signing key (SPKI), base64url. */
    public String clientPublicKey() {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(clientSigningKey.getPublic().getEncoded());
    }

    /** This browser's client id and key-agreement key pair, once registered. */
    public String clientId() {
        return clientId;
    }

    public KeyPair clientAgreementKey() {
        return clientAgreementKey;
    }

    /**
     * What an admin's web app does to approve browsers: fetch the household's roster view, list exactly the
     * given clients with the given roles ({@code owner}, {@code admin}, ...), chain it to the latest roster,
     * sign it with this browser's key and post it.
     */
    public Response signRoster(String householdId, Map<String, String> rolesByClientId) {
        return signRoster(householdId, rolesByClientId, java.util.List.of());
    }

    /** As {@link #signRoster(String, Map)}, with access lines restricting some of the listed browsers. */
    public Response signRoster(
            String householdId,
            Map<String, String> rolesByClientId,
            java.util.List<dev.doorward.protocol.Roster.Access> access) {
        return signRoster(householdId, rolesByClientId, access, Map.of());
    }

    /** As above, with an end (epoch millis) for some members: a guest's last moment in the household. */
    public Response signRoster(
            String householdId,
            Map<String, String> rolesByClientId,
            java.util.List<dev.doorward.protocol.Roster.Access> access,
            Map<String, Long> validUntilByClientId) {
        Response viewResponse = get("/api/households/" + householdId + "/roster");
        if (viewResponse.status() != 200) {
            return viewResponse;
        }
        JsonNode view = viewResponse.json();
        java.util.List<dev.doorward.protocol.Roster.Member> members = new java.util.ArrayList<>();
        for (JsonNode client : view.get("clients")) {
            String role = rolesByClientId.get(client.get("clientId").stringValue());
            if (role != null) {
                members.add(new dev.doorward.protocol.Roster.Member(
                        client.get("clientId").stringValue(),
                        dev.doorward.protocol.Roster.Role.fromWire(role),
                        client.get("signingKeyFingerprint").stringValue(),
                        client.get("signingKey").stringValue(),
                        client.get("agreementKey").stringValue(),
                        validUntilByClientId.get(client.get("clientId").stringValue())));
            }
        }
        members.sort(java.util.Comparator.comparing(dev.doorward.protocol.Roster.Member::clientId));
        long epoch = view.get("epoch").asLong() + 1;
        String previous = epoch == 1
                ? dev.doorward.protocol.Roster.NO_PREVIOUS
                : dev.doorward.crypto.Hashes.sha256Base64Url(
                        view.get("text").stringValue().getBytes(StandardCharsets.UTF_8));
        String text = new dev.doorward.protocol.Roster(
                        householdId, epoch, previous, System.currentTimeMillis(), members, access)
                .text();
        return postJson(
                "/api/households/" + householdId + "/rosters",
                Map.of("text", text, "signature", signWithClientKey(text), "signerPublicKey", clientPublicKey()));
    }

    /** The fingerprint of this browser's signing key, once registered. */
    public String clientFingerprint() {
        return clientFingerprint;
    } // ---- the live stream

    /** Opens the live view socket ({@code /api/live}) on the browser port: the web app's fallback. */
    public Stream openLive() {
        return openLiveOn(base.getPort());
    }

    /** Opens the live view socket on a port of the hub (the live port is the web app's first choice). */
    public Stream openLiveOn(int port) {
        return openLiveOn(port, "https://" + base.getHost() + ":" + base.getPort());
    }

    /** Opens the live view socket on a port of the hub, as a page from {@code origin} would. */
    public Stream openLiveOn(int port, String origin) {
        return openLiveOn(port, origin, null);
    }

    /** As {@link #openLiveOn(int, String)}, with a Cookie header of its own besides this browser's cookies. */
    public Stream openLiveOn(int port, String origin, String cookieHeaderOrNull) {
        Stream stream = new Stream();
        URI uri = URI.create("wss://" + base.getHost() + ":" + port + "/api/live");
        WebSocket.Builder builder = http.newWebSocketBuilder().header("Origin", origin);
        if (cookieHeaderOrNull != null) {
            builder.header("Cookie", cookieHeaderOrNull);
        }
        builder.buildAsync(uri, stream).join();
        return stream;
    }

    /**
     * Opens the member stream where the web app does: on the live port the hub names in {@code /api/session}, or on
     * the browser port when it has none.
     */
    public Stream openStream() {
        int livePort = get("/api/session").json().path("livePort").asInt(-1);
        return openStreamOn(livePort > 0 ? livePort : base.getPort());
    }

    /** Opens the member stream ({@code /api/stream}) on this port of the hub (the browser port: the app's fallback). */
    public Stream openStreamOn(int port) {
        Stream stream = new Stream();
        URI uri = URI.create("wss://" + base.getHost() + ":" + port + "/api/stream");
        http.newWebSocketBuilder()
                .header("Origin", "https://" + base.getHost() + ":" + base.getPort())
                .buildAsync(uri, stream)
                .join();
        return stream;
    }

    /** Messages the hub pushes to this browser. */
    public static final class Stream extends TextMessages {
        /** How {@link #arrivals()} shows a binary message. */
        public static final String BINARY = TextMessages.BINARY;

        public boolean closed() {
            return isClosed();
        }

        /** The close code the hub sent (-1 for a connection that broke without one); empty while open. */
        public Optional<Integer> closeCode() {
            return Optional.ofNullable(closeCode);
        }

        /** Waits for the first message matching, skipping others; empty on timeout. */
        public Optional<JsonNode> await(Predicate<JsonNode> matching, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                Optional<JsonNode> message = poll(left).map(JSON::readTree);
                if (message.isPresent() && matching.test(message.get())) {
                    return message;
                }
            }
        }

        public Optional<JsonNode> awaitType(String type, Duration timeout) {
            return await(m -> type.equals(m.path("type").asString("")), timeout);
        }

        public void sendText(String text) {
            socket.sendText(text, true).join();
        }

        public void close() {
            if (socket != null && !isClosed()) {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
            }
        }
    }
}
