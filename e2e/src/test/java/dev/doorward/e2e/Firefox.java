package dev.doorward.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Debian's firefox-esr, headless, with a fresh profile, driven over WebDriver BiDi (its own remote protocol;
 * Playwright drives only its patched Firefox build). Its Web Push goes to the push-service stand-in given as
 * {@code dom.push.serverURL}; a dead loopback proxy keeps Firefox's own background traffic on the machine.
 */
final class Firefox implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Process process;
    private final WebSocket socket;
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final String context;

    private Firefox(Process process, String bidiUrl) throws Exception {
        this.process = process;
        this.socket = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .buildAsync(URI.create(bidiUrl + "/session"), new Listener())
                .get(10, TimeUnit.SECONDS);
        command("session.new", Map.of("capabilities", Map.of("alwaysMatch", Map.of("acceptInsecureCerts", true))));
        context = command("browsingContext.getTree", Map.of())
                .path("contexts")
                .get(0)
                .path("context")
                .asString();
    }

    /** Starts Firefox with a new profile whose push service is {@code pushServerUrl} (a ws:// URL on loopback). */
    static Firefox launch(Path profile, String pushServerUrl) throws Exception {
        Files.createDirectories(profile);
        Map<String, Object> prefs = new java.util.LinkedHashMap<>();
        prefs.put("dom.push.serverURL", pushServerUrl);
        prefs.put("dom.push.connection.enabled", true);
        prefs.put("dom.push.testing.ignorePermission", true);
        prefs.put("dom.push.testing.allowInsecureServerURL", true);
        prefs.put("dom.serviceWorkers.testing.enabled", true);
        prefs.put("permissions.default.desktop-notification", 1);
        prefs.put("notification.prompt.testing", true);
        prefs.put("notification.prompt.testing.allow", true);
        prefs.put("network.proxy.type", 1);
        prefs.put("network.proxy.http", "127.0.0.1");
        prefs.put("network.proxy.http_port", 9);
        prefs.put("network.proxy.ssl", "127.0.0.1");
        prefs.put("network.proxy.ssl_port", 9);
        prefs.put("network.proxy.no_proxies_on", "localhost,127.0.0.1");
        prefs.put("network.trr.mode", 5);
        prefs.put("network.captive-portal-service.enabled", false);
        prefs.put("network.connectivity-service.enabled", false);
        prefs.put("network.manage-offline-status", false);
        prefs.put("toolkit.telemetry.enabled", false);
        prefs.put("datareporting.healthreport.uploadEnabled", false);
        prefs.put("datareporting.policy.dataSubmissionEnabled", false);
        prefs.put("app.normandy.enabled", false);
        prefs.put("app.update.auto", false);
        prefs.put("browser.safebrowsing.malware.enabled", false);
        prefs.put("browser.safebrowsing.phishing.enabled", false);
        prefs.put("browser.safebrowsing.downloads.enabled", false);
        prefs.put("extensions.update.enabled", false);
        prefs.put("browser.shell.checkDefaultBrowser", false);
        prefs.put("browser.startup.homepage_override.mstone", "ignore");
        StringBuilder userJs = new StringBuilder();
        prefs.forEach((k, v) -> userJs.append("user_pref(\"")
                .append(k)
                .append("\", ")
                .append(v instanceof String s ? "\"" + s + "\"" : v)
                .append(");\n"));
        Files.writeString(profile.resolve("user.js"), userJs, StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(
                        "firefox-esr",
                        "--headless",
                        "--no-remote",
                        "--profile",
                        profile.toString(),
                        "--remote-debugging-port=0",
                        "about:blank")
                .redirectErrorStream(true)
                .start();
        CompletableFuture<String> url = new CompletableFuture<>();
        List<String> early = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader in = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            early.add(line);
                            int at = line.indexOf("WebDriver BiDi listening on ");
                            if (at >= 0) {
                                url.complete(line.substring(at + "WebDriver BiDi listening on ".length())
                                        .strip());
                            }
                        }
                    } catch (IOException ignored) {
                        // Firefox closed.
                    }
                },
                "firefox-output");
        reader.setDaemon(true);
        reader.start();
        try {
            Firefox firefox = new Firefox(process, url.get(30, TimeUnit.SECONDS));
            firefox.output.addAll(early);
            return firefox;
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("Firefox did not start: " + early, e);
        }
    }

    void navigate(String url) throws Exception {
        command("browsingContext.navigate", Map.of("context", context, "url", url, "wait", "complete"));
    }

    /** Runs a script in the page (a promise is awaited) and returns its result as text. */
    String evaluate(String expression) throws Exception {
        JsonNode result = command(
                "script.evaluate",
                Map.of("expression", expression, "target", Map.of("context", context), "awaitPromise", true));
        if (!"success".equals(result.path("type").asString())) {
            throw new IllegalStateException("script failed: " + result.path("exceptionDetails"));
        }
        return result.path("result").path("value").asString();
    }

    private JsonNode command(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", JSON.valueToTree(params));
        socket.sendText(message.toString(), true).get(10, TimeUnit.SECONDS);
        JsonNode reply = answer.get(90, TimeUnit.SECONDS);
        if (reply.has("error")) {
            throw new IllegalStateException(method + ": " + reply.path("error").asString() + " "
                    + reply.path("message").asString());
        }
        return reply.path("result");
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                JsonNode message = JSON.readTree(text.toString());
                text.setLength(0);
                if (message.has("id")) {
                    CompletableFuture<JsonNode> waiting =
                            pending.remove(message.get("id").asInt());
                    if (waiting != null) {
                        waiting.complete(message);
                    }
                }
            }
            webSocket.request(1);
            return null;
        }
    }

    @Override
    public void close() {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(2, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // Closing anyway.
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
