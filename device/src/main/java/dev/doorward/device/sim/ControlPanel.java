package dev.doorward.device.sim;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.doorward.device.DeviceAgent;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulator's stand-in for the physical doorbell: a web page with the button and a way to hold a
 * picture up to the camera. It listens on the loopback interface only, and defends against the two ways a
 * web page elsewhere could still reach it: DNS rebinding (the Host header must name the loopback address and
 * this port) and cross-site form posts (every POST needs a custom header, which a cross-origin page can only
 * send after a CORS preflight that this server never approves).
 */
public final class ControlPanel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlPanel.class);
    public static final int DEFAULT_PORT = 8091;
    public static final String POST_HEADER = "X-Doorward-Panel";
    static final int MAX_PICTURE_BYTES = 5 * 1024 * 1024;
    static final int MAX_PICTURE_SIDE = 4096;
    static final Duration SHOWN_FOR = Duration.ofSeconds(60);
    private static final Set<String> PICTURE_FORMATS = Set.of("png", "jpeg");
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
            + " connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private final DeviceAgent agent;
    private final HttpServer server;
    private final ExecutorService executor;
    private final int port;

    private ControlPanel(DeviceAgent agent, int requestedPort) throws IOException {
        this.agent = agent;
        // Loopback only, never 0.0.0.0: the panel is the device's physical button, not a network service.
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), requestedPort), 16);
        this.port = server.getAddress().getPort();
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts the panel for {@code agent} on 127.0.0.1:{@code port} (0 picks a free port). */
    public static ControlPanel start(DeviceAgent agent, int port) throws IOException {
        return new ControlPanel(agent, port);
    }

    public int port() {
        return port;
    }

    /** Where the panel listens: always a loopback address. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!hostAllowed(exchange.getRequestHeaders().getFirst("Host"))) {
                send(exchange, 421, "text/plain", "wrong host\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            if ("POST".equals(method)) {
                if (!"1".equals(exchange.getRequestHeaders().getFirst(POST_HEADER))) {
                    send(exchange, 403, "text/plain", "missing panel header\n".getBytes(StandardCharsets.UTF_8));
                    return;
                }
                post(exchange, path);
            } else if ("GET".equals(method)) {
                get(exchange, path);
            } else {
                exchange.getResponseHeaders().set("Allow", "GET, POST");
                send(exchange, 405, "text/plain", "method not allowed\n".getBytes(StandardCharsets.UTF_8));
            }
        } catch (RuntimeException e) {
            log.warn("Control panel request failed", e);
        }
    }

    private boolean hostAllowed(String host) {
        return host != null && (host.equals("127.0.0.1:" + port) || host.equals("localhost:" + port));
    }

    private void get(HttpExchange exchange, String path) throws IOException {
        switch (path) {
            case "/" -> send(exchange, 200, "text/html; charset=utf-8", resource("index.html"));
            case "/panel.js" -> send(exchange, 200, "text/javascript; charset=utf-8", resource("panel.js"));
            case "/panel.css" -> send(exchange, 200, "text/css; charset=utf-8", resource("panel.css"));
            case "/camera.jpg" -> send(exchange, 200, "image/jpeg", jpeg(agent.captureFrame()));
            case "/state" -> send(exchange, 200, "application/json", stateJson().getBytes(StandardCharsets.UTF_8));
            default -> send(exchange, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    private void post(HttpExchange exchange, String path) throws IOException {
        switch (path) {
            case "/press" -> {
                agent.pressButton();
                noContent(exchange);
            }
            case "/hold" -> {
                // The panel cannot hold a button for real seconds; it reports a hold long enough to count.
                agent.holdButton(Duration.ofSeconds(10));
                noContent(exchange);
            }
            case "/reset" -> {
                // A physical reset: an owned device waits out the cooling-off period, a new one opens pairing.
                agent.holdButton(agent.resetHold());
                noContent(exchange);
            }
            case "/tamper" -> {
                agent.tamper();
                noContent(exchange);
            }
            case "/walk" -> {
                agent.camera().walkBy(Duration.ofSeconds(3));
                noContent(exchange);
            }
            case "/show" -> show(exchange);
            case "/clear" -> {
                agent.camera().clearShown();
                noContent(exchange);
            }
            default -> send(exchange, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    private void show(HttpExchange exchange) throws IOException {
        byte[] body = readLimited(exchange.getRequestBody(), MAX_PICTURE_BYTES);
        if (body == null) {
            send(exchange, 413, "text/plain", "picture larger than 5 MB\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        BufferedImage picture = decodePicture(body);
        if (picture == null) {
            send(exchange, 415, "text/plain", "send a PNG or JPEG picture\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        agent.camera().show(picture, SHOWN_FOR);
        noContent(exchange);
    }

    /** Decodes PNG or JPEG only, checking the dimensions before allocating pixels (decompression bombs). */
    static BufferedImage decodePicture(byte[] bytes) throws IOException {
        try (ImageInputStream input = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            if (input == null) {
                return null;
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                if (!PICTURE_FORMATS.contains(reader.getFormatName().toLowerCase(Locale.ROOT))) {
                    return null;
                }
                reader.setInput(input, true, true);
                if (reader.getWidth(0) > MAX_PICTURE_SIDE || reader.getHeight(0) > MAX_PICTURE_SIDE) {
                    return null;
                }
                return reader.read(0);
            } catch (IOException | RuntimeException e) {
                return null;
            } finally {
                reader.dispose();
            }
        }
    }

    private String stateJson() {
        return "{" + "\"serial\":" + quote(agent.serial())
                + ",\"ownership\":" + quote(agent.ownershipState().name())
                + ",\"deviceId\":" + agent.deviceId().map(ControlPanel::quote).orElse("null")
                + ",\"link\":" + quote(agent.linkState().name())
                + ",\"pairing\":" + agent.pairingWindowOpen()
                + ",\"pairingState\":" + quote(agent.pairingState().name())
                + ",\"resetDeadline\":"
                + agent.resetDeadline().map(at -> quote(at.toString())).orElse("null")
                + ",\"pendingEvents\":" + agent.pendingEvents()
                + ",\"doorOpen\":" + agent.door().isOpen()
                + ",\"chimeRinging\":" + agent.chime().isRinging()
                + ",\"chimeSilencedUntil\":"
                + agent.chime().silencedUntil().map(at -> quote(at.toString())).orElse("null")
                + ",\"showing\":" + agent.camera().showing()
                + "}";
    }

    /** The values are serials, ids and enum names; escaping anyway keeps the JSON valid whatever they hold. */
    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    private static byte[] jpeg(BufferedImage frame) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        ImageIO.write(frame, "jpeg", out);
        return out.toByteArray();
    }

    private static byte[] readLimited(InputStream in, int max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        int total = 0;
        int n;
        while ((n = in.read(buffer)) != -1) {
            total += n;
            if (total > max) {
                return null;
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ControlPanel.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing panel resource " + name);
            }
            return in.readAllBytes();
        }
    }

    private static void noContent(HttpExchange exchange) throws IOException {
        headers(exchange, null);
        exchange.sendResponseHeaders(204, -1);
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        headers(exchange, type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static void headers(HttpExchange exchange, String type) {
        var h = exchange.getResponseHeaders();
        if (type != null) {
            h.set("Content-Type", type);
        }
        h.set("Content-Security-Policy", CSP);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Cache-Control", "no-store");
        h.set("Cross-Origin-Resource-Policy", "same-origin");
    }
}
